/**
 * A worker's backend logs, where its backend keeps them.
 *
 * @module
 */

import { z } from 'zod';
import { ConflictError, NotImplementedError } from '../../errors';
import type { WorkerService } from '../../lifecycle';
import { actorOf, assertActorOwns, requireWorker, resourceNameOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import type { RouteTable } from '../route-table';
import { errorResponse, logsQuery } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

const logsResponse = z
  .object({
    name: z.string().meta({ description: 'The worker', example: 'alice' }),
    logs: z.string().meta({
      description: 'The last `tail` lines, as one text',
      example: 'agent started\nlistening on :18799\n',
    }),
  })
  .meta({
    id: 'WorkerLogs',
    description: 'A worker’s backend logs',
    example: { name: 'alice', logs: 'agent started\n' },
  });

export function registerLogsRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'get',
      path: '/workers/{name}/logs',
      operationId: 'workerLogs',
      summary: 'Backend logs of the worker',
      description:
        'The last `tail` lines (default 100) where the backend keeps logs; 501 where it does not; 404 when the worker has no resource now; 409 `unmanaged` for a `containerManaged: false` worker.',
      tag: 'workers',
      access: 'manager',
      query: logsQuery,
      responses: {
        200: { description: 'The log text', schema: logsResponse },
        501: { description: 'This backend has no logs', schema: errorResponse },
        ...errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, logsQuery);
      const record = await requireWorker(service.ctx, name);
      assertActorOwns(actorOf(principal), record);
      // Whatever runs under an unmanaged worker's resource name is not ours to read.
      if (record.unmanaged) {
        throw new ConflictError(`worker ${name} is not managed here: it has no logs here`, 'unmanaged');
      }
      const backend = service.ctx.backends.get(record.spec.backend);
      if (!backend.logs) throw new NotImplementedError(`the ${backend.name} backend does not keep logs`);
      const { deployment_id } = await service.ctx.deployment();
      const text = await backend.logs(
        {
          resourceName: resourceNameOf(record, deployment_id),
          ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
        },
        { tail: query.tail ?? 100 },
      );
      return c.json({ name, logs: text }, 200);
    },
  );
}
