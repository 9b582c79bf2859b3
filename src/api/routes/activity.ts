/**
 * Activity: work assigned to a worker resets its idle clock (optionally a lease), or wakes it.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import type { RouteTable } from '../route-table';
import { activityBody, activityQuery, errorResponse, workerResponse } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

import { errors } from './responses';

export function registerActivityRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      path: '/workers/{name}/activity',
      operationId: 'recordActivity',
      summary: 'Mark work assigned',
      description:
        'Resets the idle clock; `lease_seconds` holds sleep off for that long. 409 `not_awake` on a sleeping worker unless `?wake=true`.',
      tag: 'lifecycle',
      access: 'manager',
      query: activityQuery,
      body: activityBody,
      responses: {
        200: { description: 'Recorded', schema: workerResponse },
        202: { description: 'Recorded and a wake began', schema: workerResponse },
        409: { description: 'Not awake', schema: errorResponse },
        ...errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, activityQuery);
      const body = await readJsonBody(c, activityBody);
      const result = await service.activity(name, actorOf(principal), {
        ...(body.lease_seconds !== undefined ? { leaseSeconds: body.lease_seconds } : {}),
        wake: query.wake ?? false,
      });
      return c.json(result.worker, result.began ? 202 : 200);
    },
  );
}
