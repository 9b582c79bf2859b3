/**
 * `POST /sweep`: run the sweeper once, now, and answer its report. Registered by the local emulator only
 * (`src/platforms/workerd.ts`), where every function is one workerd module anyway.
 *
 * Not on the clouds, on purpose (DESIGN §3): there the sweeper is its own function with its own permissions and a
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

const count = z.number();
export const sweepReportResponse = z.object({
  ran: z.boolean(),
  started_at: z.string(),
  finished_at: z.string(),
  budget_exhausted: z.boolean(),
  hints_processed: count,
  hints_removed: count,
  hints_left: count,
  slept: count,
  deleted: count,
  redriven: count,
  failed: count,
  restarted: count,
  lost: count,
  hint_repaired: count,
  events_repaired: count,
  tombstones_removed: count,
  beats_removed: count,
  orphans: z.object({ candidates: count, reported: count, stopped: count, deleted: count }),
  drift: z.object({ running_not_awake: count, misnamed: count }),
  errors: count,
  problems: z.array(z.string()),
  store_ops: count.optional(),
});

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
