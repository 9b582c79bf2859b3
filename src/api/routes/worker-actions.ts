/**
 * Manager routes that act on one worker: wake/sleep (and HiClaw's start/stop), ensure-ready, delete, activity,
 * key rotation, events and logs.
 *
 * @module
 */

import { ConflictError, NotImplementedError } from '../../errors';
import type { WorkerService } from '../../lifecycle';
import { actorOf, assertActorOwns, requireWorker, resourceNameOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import type { RouteTable } from '../route-table';
import {
  activityBody,
  activityQuery,
  deleteQuery,
  emptyQuery,
  ensureReadyQuery,
  errorResponse,
  eventListResponse,
  eventsQuery,
  logsQuery,
  notFoundWorkerResponse,
  workerResponse,
} from '../schemas';
import { readJsonBody, readQuery } from '../validate';

const errors = {
  400: { description: 'Bad input', schema: errorResponse },
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Known key, wrong route', schema: errorResponse },
  404: { description: 'Unknown worker', schema: notFoundWorkerResponse },
};

export function registerWorkerActionRoutes(routes: RouteTable, service: WorkerService): void {
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
              ? await service.wake(name, actorOf(principal))
              : await service.sleep(name, actorOf(principal));
          return c.json(result.worker, result.began ? 202 : 200);
        },
      );
    }
  }

  routes.add(
    {
      method: 'post',
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
      const result = await service.ensureReady(name, actorOf(principal), query.timeout_seconds ?? 20);
      if (result.ready) return c.json(result.worker, 200);
      c.header('retry-after', String(result.retryAfterSeconds ?? 5));
      return c.json(result.worker, 202);
    },
  );

  routes.add(
    {
      method: 'delete',
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
      await service.delete(name, actorOf(principal), query.force ?? false);
      return c.body(null, 204);
    },
  );

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

  routes.add(
    {
      method: 'post',
      path: '/workers/{name}/keys',
      operationId: 'rotateWorkerKey',
      summary: 'Rotate the worker key',
      description:
        'An update: the old key stops working at once and the worker is rolled with a new one, returned once (200). A sleeping worker gets its new key when it next starts; then the answer is 202 without a key.',
      tag: 'lifecycle',
      access: 'manager',
      query: emptyQuery,
      responses: {
        200: { description: "Rotated; api_key is the running worker's new key", schema: workerResponse },
        202: {
          description: 'Old key revoked; the worker gets a new key when it next starts',
          schema: workerResponse,
        },
        409: { description: 'Being deleted', schema: errorResponse },
        ...errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      readQuery(c, emptyQuery);
      const result = await service.rotateKey(name, actorOf(principal));
      if (!result.apiKey) return c.json(result.worker, 202);
      return c.json({ ...result.worker, api_key: result.apiKey }, 200);
    },
  );

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
        200: { description: 'Log text' },
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
