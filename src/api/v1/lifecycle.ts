/**
 * `/api/v1/workers/{name}/wake|sleep|ensure-ready|ready|status`: HiClaw's lifecycle verbs as our intents.
 *
 * Their wake and sleep answer 200 `{name, phase}` at once; ours do the same after recording the intent and driving
 * the backend within the request's budget. Their ensure-ready never waits; ours waits up to `timeout_seconds`
 * (default 5 s, at most the deployment's ensure-ready limit) and still answers 200 `{name, phase}`: a superset
 * their CLI and scripts accept.
 *
 * @module
 */

import { ConflictError } from '../../errors';
import type { WorkerService } from '../../lifecycle';
import { assertActorOwns, requireWorker } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { ifMatchOf, setETag } from '../etag';
import type { RouteTable } from '../route-table';
import { readQuery } from '../validate';
import { authorizeWorkerAction } from './access';
import { VersionChain } from './conditional';
import { declareState } from './declare';
import { asV1NotFound } from './not-found';
import { v1EmptyQuery, v1EnsureReadyQuery, v1Error, v1Lifecycle, v1WorkerResponse } from './schemas';
import { toV1Lifecycle, toV1Worker } from './worker-view';
import { findWorker, v1Errors } from './workers';

/** Short, so a manager script that expects HiClaw's immediate answer is not held up for long. */
const DEFAULT_ENSURE_READY_WAIT_S = 5;

const lifecycleResponses = {
  200: { description: '{name, phase}', schema: v1Lifecycle },
  404: { description: 'Unknown worker', schema: v1Error },
  409: { description: 'Being deleted or expired', schema: v1Error },
  ...v1Errors,
};

export function registerV1LifecycleRoutes(routes: RouteTable, service: WorkerService): void {
  for (const verb of ['wake', 'sleep'] as const) {
    routes.add(
      {
        method: 'post',
        conditional: 'if-match',
        path: `/api/v1/workers/{name}/${verb}`,
        operationId: `v1${verb === 'wake' ? 'Wake' : 'Sleep'}Worker`,
        summary: `${verb === 'wake' ? 'Wake' : 'Put to sleep'} a worker (hiclaw-controller)`,
        description:
          verb === 'wake'
            ? 'Declares state Running: a sleeping worker is started, a stopped one (no resource) is created again.'
            : 'Declares state Sleeping: the resource is stopped and kept.',
        tag: 'hiclaw /api/v1',
        access: 'token',
        query: v1EmptyQuery,
        responses: lifecycleResponses,
      },
      async (c, principal) => {
        const name = assertWorkerName(c.req.param('name'));
        const actor = authorizeWorkerAction(principal, verb, name);
        readQuery(c, v1EmptyQuery);
        const current = await findWorker(service, name, actor, `${verb} worker`);
        const state = verb === 'wake' ? 'Running' : 'Sleeping';
        const chain = new VersionChain(ifMatchOf(c));
        const worker = chain.wrote(await declareState(service, current, state, actor, chain.options));
        setETag(c, await chain.settle(service, name, actor, `${verb} worker`));
        return c.json(toV1Lifecycle(worker), 200);
      },
    );
  }

  routes.add(
    {
      method: 'post',
      path: '/api/v1/workers/{name}/ensure-ready',
      operationId: 'v1EnsureReady',
      summary: 'Wake if needed and wait a little for Ready (hiclaw-controller)',
      description: `Waits up to \`timeout_seconds\` (default ${DEFAULT_ENSURE_READY_WAIT_S}) for Ready, then answers 200 {name, phase} whatever the phase; a failed worker answers phase Failed.`,
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EnsureReadyQuery,
      responses: lifecycleResponses,
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const actor = authorizeWorkerAction(principal, 'ensure-ready', name);
      const query = readQuery(c, v1EnsureReadyQuery);
      const current = await findWorker(service, name, actor, 'ensure-ready worker');
      if (current.unmanaged) {
        return c.json(toV1Lifecycle((await declareState(service, current, 'Running', actor)).worker), 200);
      }
      try {
        const result = await service.ensureReady(
          name,
          actor,
          query.timeout_seconds ?? DEFAULT_ENSURE_READY_WAIT_S,
        );
        return c.json(toV1Lifecycle(result.worker), 200);
      } catch (error) {
        // HiClaw leaves a failed worker alone and reports it; only deleting and expired stay 409.
        if (error instanceof ConflictError && error.code === 'failed')
          return c.json(toV1Lifecycle(await service.get(name, actor)), 200);
        throw error;
      }
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/workers/{name}/ready',
      operationId: 'v1ReportReady',
      summary: 'Report ready / heartbeat (hiclaw worker report-ready)',
      description:
        'The body is ignored. The first report of a boot makes the worker Ready (persisted, bound to that boot); later ones are heartbeats. A report while the worker is not starting or ready is 409 and changes nothing. A `containerManaged: false` worker’s report is 204 and changes nothing, as HiClaw answers it.',
      tag: 'hiclaw /api/v1',
      access: 'token',
      responses: {
        204: { description: 'Accepted' },
        404: { description: 'Unknown worker', schema: v1Error },
        409: {
          description: 'A managed worker not starting or ready; or its instance is not up yet',
          schema: v1Error,
        },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const actor = authorizeWorkerAction(principal, 'ready', name);
      const record =
        principal.kind === 'worker'
          ? principal.record
          : await asV1NotFound('ready worker', async () => {
              const found = await requireWorker(service.ctx, name);
              assertActorOwns(actor, found);
              return found;
            });
      // A worker we never run has no boot to bind readiness to; HiClaw answers its report 204 and so do we, as a
      // no-op, so an image that always reports works whether or not we manage it.
      if (!record.unmanaged) await service.report(record, {});
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/workers/{name}/status',
      operationId: 'v1WorkerStatus',
      summary: 'Worker status (hiclaw-controller)',
      description:
        'The WorkerResponse with `message: backend=<b> status=<s>`. Phase Ready only when the current boot reported ready and its heartbeat is fresh. The backend state is the last one observed; this route does not call the backend.',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: {
        200: { description: 'The worker', schema: v1WorkerResponse },
        404: { description: 'Unknown worker', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const actor = authorizeWorkerAction(principal, 'status', name);
      readQuery(c, v1EmptyQuery);
      const view = await findWorker(service, name, actor, 'get worker');
      return c.json(toV1Worker(view, { withBackendMessage: true }), 200);
    },
  );
}
