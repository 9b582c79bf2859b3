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
    labels: z
      .record(z.string().min(1).max(63), z.string().max(256))
      .optional()
      .meta({
        description: 'Labels every selected worker carries (all must match)',
        example: { pool: 'batch' },
      }),
    team: workerName.optional().meta({ description: 'Only workers of this team', example: 'research' }),
    phase: z.enum(PHASES).optional().meta({ description: 'Only workers in this phase', example: 'ready' }),
    names: z
      .array(workerName)
      .min(1)
      .max(FLEET_MAX)
      .optional()
      .meta({
        description: 'Only these workers (names that do not exist are skipped)',
        example: ['alice', 'bob'],
      }),
  })
  .refine(
    (s) => s.labels !== undefined || s.team !== undefined || s.phase !== undefined || s.names !== undefined,
    'give at least one of labels, team, phase, names (acting on every worker needs an explicit criterion)',
  )
  .meta({
    id: 'FleetSelector',
    description: 'Which workers: the criteria given must all match; at least one is required',
    example: { labels: { pool: 'batch' }, phase: 'ready' },
  });

export const fleetActionBody = z
  .strictObject({
    selector: fleetSelector,
    max: z.int().min(1).max(FLEET_MAX).meta({
      description: 'The most workers this action may touch; more matches are refused with 409 `max_exceeded`',
      example: 50,
    }),
    dry_run: z
      .boolean()
      .optional()
      .meta({ description: 'Report what would change, change nothing', example: true }),
    /** delete only: delete workers with deletion protection too (manager keys only). */
    force: z.boolean().optional().meta({
      description: 'delete only: also delete protected workers (manager keys only)',
      example: false,
    }),
  })
  .meta({
    id: 'FleetActionInput',
    description: 'A selector, a required ceiling and an optional dry run',
    example: { selector: { labels: { pool: 'batch' } }, max: 50, dry_run: true },
  });

const fleetResult = z
  .object({
    name: z.string().meta({ description: 'The worker', example: 'alice' }),
    outcome: z
      .enum(['began', 'unchanged', 'deleted', 'ready', 'not_ready', 'would_act', 'failed'])
      .meta({ description: 'What happened to this worker', example: 'began' }),
    code: z
      .string()
      .optional()
      .meta({ description: "When `failed`: the single request's error code", example: 'conflict' }),
    message: z
      .string()
      .optional()
      .meta({ description: 'When `failed`: what went wrong', example: 'another operation holds the worker' }),
  })
  .meta({
    id: 'FleetActionResult',
    description: "One worker's result",
    example: { name: 'alice', outcome: 'began' },
  });

export const fleetActionResponse = z
  .object({
    action: z.enum(FLEET_ACTIONS).meta({ description: 'The action taken', example: 'sleep' }),
    dry_run: z.boolean().meta({ description: 'Whether nothing was changed', example: false }),
    matched: z.int().meta({ description: 'How many workers the selector matched', example: 2 }),
    results: z.array(fleetResult).meta({
      description: 'One result per matched worker',
      example: [{ name: 'alice', outcome: 'began' }],
    }),
  })
  .meta({
    id: 'FleetActionReport',
    description: 'The per-worker results of a fleet action',
    example: { action: 'sleep', dry_run: false, matched: 1, results: [{ name: 'alice', outcome: 'began' }] },
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
