/**
 * Manager routes for the worker collection and each worker's lifecycle.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { conditionOf, ifNoneMatchStar, setETag } from '../etag';
import type { RouteTable } from '../route-table';
import {
  createWorkerBody,
  errorResponse,
  getQuery,
  listQuery,
  notFoundWorkerResponse,
  updateWorkerBody,
  workerListResponse,
  workerResponse,
} from '../schemas';
import { readJsonBody, readQuery } from '../validate';

const commonErrors = {
  400: { description: 'Bad input; `field` names it', schema: errorResponse },
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Known key, wrong route', schema: errorResponse },
};

export function registerWorkerRoutes(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      conditional: 'if-none-match',
      path: '/workers',
      operationId: 'createWorker',
      summary: 'Create a worker',
      description:
        '201 with the worker and its `api_key` (returned once). The same name and identical spec again: 200 without a key. A different spec: 409. A name being deleted: 409 `deleting` with Retry-After.',
      tag: 'workers',
      access: 'manager',
      body: createWorkerBody,
      responses: {
        201: { description: 'Created', schema: workerResponse },
        200: { description: 'Already exists with this spec', schema: workerResponse },
        409: { description: 'Exists with another spec, or being deleted', schema: errorResponse },
        503: { description: 'Backend unavailable', schema: errorResponse },
        ...commonErrors,
      },
    },
    async (c, principal) => {
      const body = await readJsonBody(c, createWorkerBody);
      const result = await service.createVersioned(body, actorOf(principal), {
        ifNoneMatch: ifNoneMatchStar(c),
      });
      setETag(c, result.version);
      return c.json(
        { ...result.worker, ...(result.apiKey ? { api_key: result.apiKey } : {}) },
        result.created ? 201 : 200,
      );
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/workers',
      operationId: 'listWorkers',
      summary: 'List workers',
      description:
        'Filters: `label=k=v` (repeatable), `status`, `phase`, `team`. Pages may be short; only a missing `next_cursor` means the end. `sort=last_activity_at` (or `-last_activity_at`, most recent first) reads every worker the listing covers: those of one team (a team key, or `team=`) or, for a manager, the whole fleet up to 10,000. `next_cursor` is opaque and works only for the caller it was given to.',
      tag: 'workers',
      access: 'manager',
      query: listQuery,
      responses: { 200: { description: 'A page of workers', schema: workerListResponse }, ...commonErrors },
    },
    async (c, principal) => {
      const query = readQuery(c, listQuery, ['label']);
      const labels = (query.label ?? []).map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)] as [string, string];
      });
      const page = await service.list({
        labels,
        ...(query.status ? { status: query.status } : {}),
        ...(query.phase ? { phase: query.phase } : {}),
        ...(query.team ? { team: query.team } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.sort ? { sort: query.sort } : {}),
        limit: query.limit ?? 100,
        ...(principal.kind === 'team' ? { scopeTeam: principal.team } : {}),
      });
      return c.json(page, 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/workers/{name}',
      operationId: 'getWorker',
      summary: 'Get a worker',
      description:
        'Never calls the backend, except `?refresh=true` (at most once per 10 s). Unknown: 404 whose body still has `status: not_found`.',
      tag: 'workers',
      access: 'manager',
      query: getQuery,
      responses: {
        200: { description: 'The worker', schema: workerResponse },
        404: { description: 'Unknown worker', schema: notFoundWorkerResponse },
        ...commonErrors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const query = readQuery(c, getQuery);
      const read = await service.getVersioned(name, actorOf(principal), { refresh: query.refresh ?? false });
      setETag(c, read.version);
      return c.json(read.worker, 200);
    },
  );

  routes.add(
    {
      method: 'patch',
      conditional: 'if-match',
      path: '/workers/{name}',
      operationId: 'updateWorker',
      summary: 'Update a worker',
      description:
        'image/env/resources/network roll the worker (202); a sleeping one takes them at its next wake. Labels and policies never roll (200). `env` is a merge patch: `null` removes a variable.',
      tag: 'workers',
      access: 'manager',
      body: updateWorkerBody,
      responses: {
        200: { description: 'Updated, nothing to roll', schema: workerResponse },
        202: { description: 'Updated; the worker is rolling', schema: workerResponse },
        404: { description: 'Unknown worker', schema: notFoundWorkerResponse },
        409: { description: 'Being deleted', schema: errorResponse },
        ...commonErrors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      const body = await readJsonBody(c, updateWorkerBody);
      const result = await service.update(name, body, actorOf(principal), conditionOf(c));
      if (result.drive?.error && result.drive.outcome === 'failed') throw result.drive.error;
      setETag(c, result.version);
      return c.json(result.worker, result.began ? 202 : 200);
    },
  );
}
