/**
 * The scheduled sweeper: a level-triggered reconcile run every minute. Each run re-reads, acts
 * idempotently through the same conditional writes and operation leases as requests, and leaves what it could
 * not finish to the next run; a run killed at any point leaves nothing that run cannot finish.
 *
 * Steps: the sweeper lease, the due hints (idle, expiry, wedged, retries), silent workers, one slice of the full
 * scan, one slice of the inventory reconcile. A run with nothing due costs a handful of store operations plus one
 * listing per 1,000 awake workers, whatever the fleet size.
 *
 * @example
 * // functions/<platform>/sweeper.ts
 * export const handler = async () => runSweep(await lifecycleContext(), { settings: config.sweeper });
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import { iso } from '../model';
import { beatCheckDue, checkSilentWorkers } from './beats';
import { anyHintDue, processDueHints } from './due';
import { withBackendLimit } from './gate';
import { deleteExpiredIdempotencyKeys } from './idempotency';
import { acquireSweeperLease, type SweeperState } from './lock';
import { reconcilePending, reconcileSlice } from './reconcile';
import { emptyReport, type SweepReport, SweepRun } from './run';
import { scanDue, scanSlice } from './scan';
import { DEFAULT_SWEEPER_SETTINGS, type SweeperSettings } from './settings';
import { withRun } from './stats';
import { deliverWebhooks } from './webhooks';

export type { SweepReport } from './run';
export { DEFAULT_SWEEPER_SETTINGS, type SweeperSettings } from './settings';

export interface SweepOptions {
  settings?: Partial<SweeperSettings>;
  /** Names this run in the sweeper lease; defaults to the context's owner. */
  owner?: string;
}

/** Due hints may use this share of the budget, so silent workers, the scan and the reconcile always get a turn. */
const DUE_SHARE = 0.6;

export async function runSweep(outer: LifecycleContext, options: SweepOptions = {}): Promise<SweepReport> {
  const settings: SweeperSettings = { ...DEFAULT_SWEEPER_SETTINGS, ...options.settings };
  // Every store call of this run goes through one counter, on every store: the cost is reported and persisted.
  const counted = outer.repo.counted();
  const ctx: LifecycleContext = { ...outer, repo: counted.repo };
  const startedAt = ctx.clock.now();
  const report = emptyReport(iso(startedAt));
  const finish = () => {
    report.finished_at = iso(ctx.clock.now());
    report.store_ops = counted.operations();
    return report;
  };

  // A run with nothing to do (no hint due, no silence check, scan or reconcile slice on its cadence) is decided
  // before the lease is written, on the state read: it costs a read, one look at the hints, one at the webhook
  // outbox and its stats' write.
  const isQuiet = async (state: SweeperState) => {
    const probe = new SweepRun(ctx, settings, report, state, async () => ctx.clock.now(), startedAt);
    if (beatCheckDue(probe) || scanDue(probe) || reconcilePending(probe)) return false;
    if (await anyHintDue(probe)) return false;
    // An outbox entry its maker could not deliver waits for this step; its backoff starts at 30 s, far below the
    // cadence of the other steps, so it is looked for on every run (one listing of one key).
    return !(await ctx.webhooks?.hasPending());
  };
  const lease = await acquireSweeperLease(ctx, options.owner ?? ctx.owner, settings, isQuiet);
  if (!lease) {
    report.ran = false;
    report.skipped = 'lease_held';
    return finish();
  }
  if (lease.quiet) {
    report.finished_at = iso(ctx.clock.now());
    const saved = { ...lease.state, stats: withRun(lease.state.stats, report, counted.operations()) };
    await lease
      .release(saved)
      .catch((error) => ctx.log.warn('sweeper stats not saved', { error: String(error) }));
    return finish();
  }
  const run = new SweepRun(
    withBackendLimit(ctx, settings.backendConcurrency),
    settings,
    report,
    lease.state,
    () => lease.storeNow(),
    startedAt + settings.budgetMs,
  );
  const steps: [string, () => Promise<void>][] = [
    ['due', () => processDueHints(run, startedAt + settings.budgetMs * DUE_SHARE)],
    ['beats', () => checkSilentWorkers(run)],
    ['scan', () => scanSlice(run)],
    ['reconcile', () => reconcileSlice(run)],
    ['idempotency', () => deleteExpiredIdempotencyKeys(run)],
    ['webhooks', () => deliverWebhooks(run)],
    ['roster', () => run.saveRoster()],
  ];
  try {
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        // A step that fails (the store throttling a listing) costs its own work, never the steps after it.
        run.fail(name, 'run', error);
      }
    }
  } finally {
    report.finished_at = iso(ctx.clock.now());
    run.state.stats = withRun(run.state.stats, report, counted.operations());
    const released = await lease.release(run.state).catch((error) => {
      run.fail('lease', 'release', error);
      return false;
    });
    if (!released)
      ctx.log.warn('sweeper lease was taken over before release; the cursors of this run are dropped');
  }
  const result = finish();
  ctx.log.info('sweep finished', { ...result, problems: result.problems.length });
  return result;
}
