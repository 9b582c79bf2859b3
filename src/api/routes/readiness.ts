/**
 * The worker's own route: readiness reports and heartbeats (`POST /workers/{name}/ready`).
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, reportBody } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

export function registerReadinessRoutes(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      path: '/workers/{name}/ready',
      operationId: 'reportReady',
      summary: 'Report readiness / heartbeat (the worker itself)',
      description:
        "The boot's first valid report makes the worker `ready`; later ones are heartbeats. `busy: true` keeps it from idling out. A report in a phase other than starting/ready is 409 and changes nothing.",
      tag: 'workers-self',
      access: 'worker-self',
      query: emptyQuery,
      body: reportBody,
      responses: {
        204: { description: 'Accepted' },
        401: { description: 'Missing, unknown, rotated-out or expired key', schema: errorResponse },
        403: { description: 'Not this worker', schema: errorResponse },
        409: { description: 'Not starting/ready, or a stale instance', schema: errorResponse },
      },
    },
    async (c, principal) => {
      readQuery(c, emptyQuery);
      const body = await readJsonBody(c, reportBody);
      if (principal.kind !== 'worker') throw new Error('unreachable: access rule guarantees a worker');
      await service.report(principal.record, body);
      return c.body(null, 204);
    },
  );
}
