/**
 * Ensure-ready: wake if needed, drive the operation and wait a bounded time for ready.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { conditionOf } from '../etag';
import type { RouteTable } from '../route-table';
import { ensureReadyQuery, errorResponse, workerResponse } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

export function registerEnsureReadyRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      conditional: 'if-match',
      path: '/workers/{name}/ensure-ready',
      operationId: 'ensureReady',
      summary: 'Wake if needed and wait for ready',
      description:
        'Drives the operation and waits at most min(timeout_seconds, 20 s): 200 when ready, 202 with Retry-After otherwise; 409 at once when failed, deleting or expired.',
      tag: 'lifecycle',
      access: 'manager',
      query: ensureReadyQuery,
      responses: {
        200: { description: 'Ready', schema: workerResponse },
        202: { description: 'Not ready yet; poll again', schema: workerResponse },
        409: { description: 'Failed, deleting or expired', schema: errorResponse },
        ...errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, ensureReadyQuery);
      const result = await service.ensureReady(
        name,
        actorOf(principal),
        query.timeout_seconds ?? 20,
        conditionOf(c),
      );
      if (result.ready) return c.json(result.worker, 200);
      c.header('retry-after', String(result.retryAfterSeconds ?? 5));
      return c.json(result.worker, 202);
    },
  );
}
