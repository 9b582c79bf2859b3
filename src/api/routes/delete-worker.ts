/**
 * Deleting a worker: allowed from every phase, idempotent, guarded by deletion protection.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { conditionOf } from '../etag';
import type { RouteTable } from '../route-table';
import { deleteQuery, errorResponse } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

export function registerDeleteWorkerRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'delete',
      conditional: 'if-match',
      path: '/workers/{name}',
      operationId: 'deleteWorker',
      summary: 'Delete a worker',
      description:
        '204 also when already gone; allowed from every phase. `deletion_protection` → 409 unless `?force=true`.',
      tag: 'workers',
      access: 'manager',
      query: deleteQuery,
      responses: {
        204: { description: 'Deleted or being deleted' },
        409: { description: 'Deletion protection', schema: errorResponse },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, deleteQuery);
      await service.delete(name, actorOf(principal), query.force ?? false, conditionOf(c));
      return c.body(null, 204);
    },
  );
}
