/**
 * Wake and sleep (with HiClaw's start and stop): 202 when a change began, 200 when the worker is already there.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { conditionOf, setETag } from '../etag';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, workerResponse } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

export function registerIntentRoutes(routes: RouteTable, service: WorkerService): void {
  for (const [verb, alias] of [
    ['start', 'wake'],
    ['stop', 'sleep'],
  ] as const) {
    for (const path of [verb, alias]) {
      routes.add(
        {
          method: 'post',
          path: `/workers/{name}/${path}`,
          operationId: `${path}Worker`,
          summary: verb === 'start' ? 'Wake a worker' : 'Put a worker to sleep',
          description: `202 when a ${verb === 'start' ? 'wake' : 'sleep'} began, 200 when the worker is already there.${path === alias ? ` Alias of /${verb}.` : ''}`,
          tag: 'lifecycle',
          access: 'manager',
          query: emptyQuery,
          responses: {
            200: { description: 'Already there', schema: workerResponse },
            202: { description: 'Began', schema: workerResponse },
            409: { description: 'Being deleted or expired', schema: errorResponse },
            ...errors,
          },
        },
        async (c, principal) => {
          const name = assertWorkerName(c.req.param('name'));
          readQuery(c, emptyQuery);
          const result =
            verb === 'start'
              ? await service.wake(name, actorOf(principal), conditionOf(c))
              : await service.sleep(name, actorOf(principal), conditionOf(c));
          setETag(c, result.version);
          return c.json(result.worker, result.began ? 202 : 200);
        },
      );
    }
  }
}
