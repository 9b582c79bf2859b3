/**
 * A worker's transition history, newest first, paged.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import type { RouteTable } from '../route-table';
import { eventListResponse, eventsQuery } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

export function registerEventsRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'get',
      path: '/workers/{name}/events',
      operationId: 'listWorkerEvents',
      summary: 'Transition history, newest first',
      tag: 'workers',
      access: 'manager',
      query: eventsQuery,
      responses: { 200: { description: 'A page of events', schema: eventListResponse }, ...errors },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, eventsQuery);
      return c.json(
        await service.events(name, actorOf(principal), {
          limit: query.limit ?? 50,
          ...(query.cursor ? { cursor: query.cursor } : {}),
        }),
        200,
      );
    },
  );
}
