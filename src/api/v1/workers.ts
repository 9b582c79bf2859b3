/**
 * `/api/v1/workers`: create, list, get, update (PUT merge) and delete, over the same lifecycle service as the
 * older contract. Nothing here changes a worker except through the service.
 *
 * @module
 */

import { ConflictError, ValidationError } from '../../errors';
import type { Actor, CreateInput, UpdateInput, WorkerService, WorkerView } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { ifMatchOf, setETag } from '../etag';
import type { RouteTable } from '../route-table';
import { readQuery } from '../validate';
import { authorizeWorkerAction } from './access';
import { agentProfileOf, mergeProfile, readV1Body } from './body';
import { VersionChain } from './conditional';
import { declareState } from './declare';
import { asV1NotFound } from './not-found';
import {
  v1CreateBody,
  v1EmptyQuery,
  v1Error,
  v1ListQuery,
  v1UpdateBody,
  v1WorkerList,
  v1WorkerResponse,
} from './schemas';
import { DECLARED_STATE_LABEL, declaredState, toV1Worker } from './worker-view';

export const v1Errors = {
  400: { description: 'Bad input, naming the field', schema: v1Error },
  401: { description: 'Missing or unknown token', schema: v1Error },
  403: { description: 'Authorization denied', schema: v1Error },
};

/** A lookup whose 404 says which operation failed, as HiClaw words it (`get worker: not found`). */
export const findWorker = (service: WorkerService, name: string, actor: Actor, op: string) =>
  asV1NotFound(op, () => service.get(name, actor));

/** Reading a list until its end: the controller contract has no paging. */
const MAX_LISTED = 10_000;

export function registerV1WorkerRoutes(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      path: '/api/v1/workers',
      operationId: 'v1CreateWorker',
      summary: 'Create a worker (hiclaw-controller)',
      description:
        '201 with the WorkerResponse. `state` Sleeping or Stopped creates the record without starting anything; `containerManaged: false` records a worker whose resource is never touched (manager key only). The older contract’s `env`, `network`, `extra_hosts`, `working_dir`, `backend` are dropped, as HiClaw does; `team`, `role`, `teamLeader` are a 400.',
      tag: 'hiclaw /api/v1',
      access: 'token',
      body: v1CreateBody,
      responses: {
        201: { description: 'Created', schema: v1WorkerResponse },
        409: { description: 'create worker: already exists', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const actor = authorizeWorkerAction(principal, 'create');
      const body = await readV1Body(c, v1CreateBody);
      const unmanaged = body.containerManaged === false;
      const state = body.state ?? 'Running';
      const input: CreateInput = {
        name: body.name,
        ...(body.image ? { image: body.image } : {}),
        ...(body.runtime ? { runtime: body.runtime } : {}),
        // Always present on a worker made through this contract: the reference entrypoint reads it as "report
        // the way a hiclaw-controller worker does".
        profile: agentProfileOf(body),
        ...(state !== 'Running' ? { initial_state: state === 'Stopped' ? 'stopped' : 'sleeping' } : {}),
        ...(unmanaged ? { unmanaged: true, labels: { [DECLARED_STATE_LABEL]: state } } : {}),
      };
      const result = await service.create(input, actor);
      if (!result.created) throw new ConflictError('create worker: already exists', 'exists');
      return c.json(toV1Worker(result.worker), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/workers',
      operationId: 'v1ListWorkers',
      summary: 'List workers (hiclaw-controller)',
      description: '`?team=` lists one team’s workers (an unknown team: an empty list). No paging.',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1ListQuery,
      responses: { 200: { description: 'All workers', schema: v1WorkerList }, ...v1Errors },
    },
    async (c, principal) => {
      authorizeWorkerAction(principal, 'list');
      const query = readQuery(c, v1ListQuery);
      const views: WorkerView[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.list({
          labels: [],
          limit: 1000,
          ...(query.team ? { team: query.team } : {}),
          ...(cursor ? { cursor } : {}),
          ...(principal.kind === 'team' ? { scopeTeam: principal.team } : {}),
        });
        views.push(...page.workers);
        cursor = page.next_cursor;
      } while (cursor && views.length < MAX_LISTED);
      const workers = views.map((view) => toV1Worker(view));
      return c.json({ workers, total: workers.length }, 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/workers/{name}',
      operationId: 'v1GetWorker',
      summary: 'Get a worker (hiclaw-controller)',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: {
        200: { description: 'The worker', schema: v1WorkerResponse },
        404: { description: 'get worker: not found', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const actor = authorizeWorkerAction(principal, 'get', name);
      readQuery(c, v1EmptyQuery);
      const { worker, version } = await asV1NotFound('get worker', () => service.getVersioned(name, actor));
      setETag(c, version);
      return c.json(toV1Worker(worker), 200);
    },
  );

  routes.add(
    {
      method: 'put',
      conditional: 'if-match',
      path: '/api/v1/workers/{name}',
      operationId: 'v1UpdateWorker',
      summary: 'Update a worker (hiclaw-controller, merge)',
      description:
        'Non-empty strings overwrite, lists present replace (`[]` clears), `state` is declarative. A changed agent field or image rolls a running worker (a sleeping one takes it at its next wake). `runtime` and `containerManaged` are fixed at create: changing them is a 400.',
      tag: 'hiclaw /api/v1',
      access: 'token',
      body: v1UpdateBody,
      responses: {
        200: { description: 'Updated', schema: v1WorkerResponse },
        404: { description: 'get worker for update: not found', schema: v1Error },
        409: { description: 'Being deleted', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const actor = authorizeWorkerAction(principal, 'update', name);
      const body = await readV1Body(c, v1UpdateBody);
      let current = await findWorker(service, name, actor, 'get worker for update');
      if (body.runtime && body.runtime !== current.runtime) {
        throw new ValidationError('runtime cannot be changed; delete and re-create the worker', 'runtime');
      }
      if (body.containerManaged !== undefined && body.containerManaged === Boolean(current.unmanaged)) {
        throw new ValidationError(
          'containerManaged cannot be changed; delete and re-create the worker',
          'containerManaged',
        );
      }
      const profile = mergeProfile(current.profile ?? {}, body);
      const patch: UpdateInput = {
        ...(body.image && body.image !== current.image ? { image: body.image } : {}),
        ...(JSON.stringify(profile) !== JSON.stringify(current.profile ?? {}) ? { profile } : {}),
      };
      const state = body.state;
      // Every check of the update runs before the state changes: a refused PUT changes nothing at all.
      if (Object.keys(patch).length > 0) await service.checkUpdate(name, patch, actor);
      // Going to sleep first means a changed template is not rolled into a worker about to stop; waking last means
      // the new resource is made with it.
      // With If-Match, every write of this request is conditional: the first on the caller's ETag, each later one on
      // the version the one before produced.
      const chain = new VersionChain(ifMatchOf(c));
      if (state && state !== 'Running' && state !== declaredState(current))
        current = chain.wrote(await declareState(service, current, state, actor, chain.options));
      if (Object.keys(patch).length > 0)
        current = chain.wrote(await service.update(name, patch, actor, chain.options));
      if (state === 'Running' && declaredState(current) !== 'Running')
        current = chain.wrote(await declareState(service, current, state, actor, chain.options));
      setETag(c, await chain.settle(service, name, actor, 'get worker for update'));
      return c.json(toV1Worker(current), 200);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/workers/{name}',
      operationId: 'v1DeleteWorker',
      summary: 'Delete a worker (hiclaw-controller)',
      description:
        '204; teardown continues after the answer, so a create of the same name may briefly get 409. A team key may not delete (403 on its own team’s workers; any other name is a 404, as for a missing worker).',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: {
        204: { description: 'Deleted or being deleted' },
        404: { description: 'delete worker: not found', schema: v1Error },
        409: { description: 'Deletion protection', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      // A team leader may not delete, but refusing before the lookup would answer 403 where every other route
      // answers a team key 404 for a worker it cannot see. Looking first keeps "not yours" and "not there" one
      // answer; the 403 is left for its own team's workers, which it knows anyway.
      if (principal.kind === 'team') await findWorker(service, name, actorOf(principal), 'delete worker');
      const actor = authorizeWorkerAction(principal, 'delete', name);
      readQuery(c, v1EmptyQuery);
      await findWorker(service, name, actor, 'delete worker');
      await service.delete(name, actor);
      return c.body(null, 204);
    },
  );
}
