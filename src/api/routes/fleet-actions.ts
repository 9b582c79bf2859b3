/**
 * Fleet actions: `POST /workers/actions/{wake|sleep|delete|ensure-ready}` with a selector, a required `max` and
 * `dry_run`, answering one result per worker. Manager and team keys (a team key acts only on its own workers).
 *
 * Registered before the per-worker routes: `/workers/actions/wake` would otherwise be the wake of a worker named
 * `actions` (which keeps `/start`, `/stop` and every other route).
 *
 * @module
 */

import { z } from 'zod';
import { actorOf, FLEET_ACTIONS, FLEET_MAX, PHASES, type WorkerService } from '../../lifecycle';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, workerName } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

export const fleetSelector = z
  .strictObject({
    labels: z.record(z.string().min(1).max(63), z.string().max(256)).optional(),
    team: workerName.optional(),
    phase: z.enum(PHASES).optional(),
    names: z.array(workerName).min(1).max(FLEET_MAX).optional(),
  })
  .refine(
    (s) => s.labels !== undefined || s.team !== undefined || s.phase !== undefined || s.names !== undefined,
    'give at least one of labels, team, phase, names (acting on every worker needs an explicit criterion)',
  );

export const fleetActionBody = z.strictObject({
  selector: fleetSelector,
  max: z.int().min(1).max(FLEET_MAX),
  dry_run: z.boolean().optional(),
  /** delete only: delete workers with deletion protection too (manager keys only). */
  force: z.boolean().optional(),
});

export const fleetActionResponse = z.object({
  action: z.enum(FLEET_ACTIONS),
  dry_run: z.boolean(),
  matched: z.int(),
  results: z.array(
    z.object({
      name: z.string(),
      outcome: z.enum(['began', 'unchanged', 'deleted', 'ready', 'not_ready', 'would_act', 'failed']),
      code: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});

export function registerFleetActionRoutes(routes: RouteTable, service: WorkerService): void {
  for (const action of FLEET_ACTIONS) {
    routes.add(
      {
        method: 'post',
        path: `/workers/actions/${action}`,
        operationId: `fleet${action.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}`,
        summary: `${action} every worker a selector matches`,
        description:
          "Selects by `labels` (all must match), `team`, `phase` and/or `names`; refuses with 409 `max_exceeded` (naming the count) when more than `max` match. Each worker goes through the single request (same conditional write and lease), at most 8 at a time, within one drive budget; workers reached after it have their intent recorded and are driven by the sweeper. `dry_run` reports what would change and changes nothing. One result per worker: `outcome` and, when `failed`, the single request's error `code`.",
        tag: 'fleet',
        access: 'manager',
        query: emptyQuery,
        body: fleetActionBody,
        responses: {
          200: { description: 'One result per matched worker', schema: fleetActionResponse },
          400: { description: 'Bad input; `field` names it', schema: errorResponse },
          401: { description: 'Missing or unknown key', schema: errorResponse },
          403: { description: 'Known key, wrong route (or force with a team key)', schema: errorResponse },
          409: {
            description: 'More workers match than `max` (`matched` says how many)',
            schema: errorResponse,
          },
        },
      },
      async (c, principal) => {
        readQuery(c, emptyQuery);
        const body = await readJsonBody(c, fleetActionBody);
        const result = await service.fleetAction(actorOf(principal), {
          action,
          selector: body.selector,
          max: body.max,
          dryRun: body.dry_run ?? false,
          ...(body.force !== undefined ? { force: body.force } : {}),
        });
        return c.json(result, 200);
      },
    );
  }
}
