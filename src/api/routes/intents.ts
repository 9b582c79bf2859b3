/**
 * Wake and sleep (with HiClaw's start and stop). The answer's status says what its body says: 200 when the worker is
 * where it was asked to be as the answer is sent (it already was, or it got there within this request's drive
 * budget, as a sleep often does), 202 while the change is still under way. HiClaw's older contract accepts any 2xx
 * here; its `/api/v1` routes, which fix 200, are separate.
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
          conditional: 'if-match',
          path: `/workers/{name}/${path}`,
          operationId: `${path}Worker`,
          summary: verb === 'start' ? 'Wake a worker' : 'Put a worker to sleep',
          description: `200 when the worker is ${verb === 'start' ? 'awake (`ready`)' : 'asleep (`sleeping`)'} as the answer is sent: it already was, or got there within this request. 202 while the ${verb === 'start' ? 'wake' : 'sleep'} is still under way: poll \`GET /workers/{name}\`.${path === alias ? ` Alias of /${verb}.` : ''}`,
          tag: 'lifecycle',
          access: 'manager',
          query: emptyQuery,
          responses: {
            200: { description: 'There as the answer is sent', schema: workerResponse },
            202: { description: 'Under way', schema: workerResponse },
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
          // An awake worker that is not ready yet was already asked to wake: 200 as before (nothing began).
          const there = result.worker.phase === (verb === 'start' ? 'ready' : 'sleeping');
          return c.json(result.worker, result.began && !there ? 202 : 200);
        },
      );
    }
  }
}
