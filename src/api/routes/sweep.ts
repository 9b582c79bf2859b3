/**
 * `POST /sweep`: run the sweeper once, now, and answer its report. Registered by the local emulator only
 * (`src/platforms/workerd.ts`), where every function is one workerd module anyway.
 *
 * Not on the clouds, on purpose: there the sweeper is its own function with its own permissions and a
 * time budget longer than API Gateway's 30 s cut, and the lifecycle function must not grow into it. To run it once
 * on a cloud, invoke the sweeper function itself (`aws lambda invoke`, or FC's invoke).
 *
 * @module
 */

import { z } from 'zod';
import { ConflictError } from '../../errors';
import type { SweeperSettings, WorkerService } from '../../lifecycle';
import { runSweep } from '../../lifecycle';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse } from '../schemas';
import { readQuery } from '../validate';

/** A run that finds the lease held is skipped; this is about how long a typical local run takes. */
const RETRY_AFTER_SECONDS = 5;

const count = (description: string) => z.number().meta({ description, example: 0 });
const SWEEP_EXAMPLE = {
  ran: true,
  started_at: '2026-12-06T11:00:00.000Z',
  finished_at: '2026-12-06T11:00:01.200Z',
  budget_exhausted: false,
  hints_processed: 3,
  hints_removed: 0,
  hints_left: 0,
  slept: 1,
  deleted: 0,
  redriven: 0,
  failed: 0,
  restarted: 0,
  lost: 0,
  hint_repaired: 0,
  events_repaired: 0,
  tombstones_removed: 0,
  secrets_removed: 0,
  beats_removed: 2,
  orphans: { candidates: 0, reported: 0, stopped: 0, deleted: 0 },
  drift: { running_not_awake: 0, misnamed: 0 },
  errors: 0,
  problems: [],
  store_ops: 41,
};
export const sweepReportResponse = z
  .object({
    ran: z
      .boolean()
      .meta({ description: 'Whether this run happened (false: another held the lease)', example: true }),
    started_at: z
      .string()
      .meta({ description: 'Started (ISO-8601, UTC)', example: SWEEP_EXAMPLE.started_at }),
    finished_at: z
      .string()
      .meta({ description: 'Finished (ISO-8601, UTC)', example: SWEEP_EXAMPLE.finished_at }),
    budget_exhausted: z.boolean().meta({
      description: 'The run stopped starting work because its time budget was spent',
      example: false,
    }),
    hints_processed: count('Due hints handled'),
    hints_removed: count('Hints whose worker no longer exists, deleted'),
    hints_left: count('Due hints not reached (budget); the next run starts with them'),
    slept: count('Workers put to sleep (idle, on schedule, or expired under deletion protection)'),
    deleted: count('Workers deleted (expired)'),
    redriven: count('Workers whose unfinished operation this run drove on'),
    failed: count('Workers failed (a deadline passed)'),
    restarted: count('Silent workers restarted'),
    lost: count('Silent workers whose resource was gone (`lost`, then recreated)'),
    hint_repaired: count('Hints the full scan had to re-file: should stay at zero'),
    events_repaired: count('Transition events the full scan had to write again'),
    tombstones_removed: count('Records of deleted workers past their day, removed'),
    secrets_removed: count('Env values of incarnations with no live record, removed'),
    beats_removed: count('Heartbeat marks of boots that are over, removed'),
    orphans: z
      .object({
        candidates: count('Resources of this deployment with no live worker'),
        reported: count('Of those, logged only'),
        stopped: count('Of those, stopped'),
        deleted: count('Of those, deleted'),
      })
      .meta({ description: 'Resources no live worker owns', example: SWEEP_EXAMPLE.orphans }),
    drift: z
      .object({
        running_not_awake: count('Resources running while their worker is settled asleep or failed'),
        misnamed: count('Resources carrying a worker’s uid under another name'),
      })
      .meta({
        description: 'Resources that should not be as they are: both should stay at zero',
        example: SWEEP_EXAMPLE.drift,
      }),
    errors: count('Errors met'),
    problems: z.array(z.string()).meta({
      description: 'The first few errors, one line each (names, never values or keys)',
      example: [],
    }),
    store_ops: z.number().optional().meta({ description: 'Store operations the run cost', example: 41 }),
  })
  .meta({ id: 'SweepReport', description: 'What one sweeper run did', example: SWEEP_EXAMPLE });

export function registerSweepRoute(
  routes: RouteTable,
  service: WorkerService,
  settings: SweeperSettings,
): void {
  routes.add(
    {
      method: 'post',
      path: '/sweep',
      operationId: 'runSweep',
      summary: 'Run the sweeper once (local emulator only)',
      description:
        "Runs the scheduled reconcile now and answers its report when it is over. 409 `sweep_running` with Retry-After when another run holds the sweeper's lease. Served by the local emulator only; on a cloud, invoke the sweeper function.",
      tag: 'emulator',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: { description: 'The report of the run', schema: sweepReportResponse },
        401: { description: 'Missing or unknown key', schema: errorResponse },
        403: { description: 'Not a manager key', schema: errorResponse },
        409: { description: 'Another run holds the lease', schema: errorResponse },
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const report = await runSweep(service.ctx, { settings });
      if (!report.ran) {
        throw new ConflictError('another sweep is running (it holds the sweeper lease)', 'sweep_running', {
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      }
      return c.json(report, 200);
    },
  );
}
