/**
 * What the sweeper keeps about its own runs, inside the lease document it writes anyway (`locks/sweeper`), so
 * that `/metrics` can report runs and their store cost from state alone, with no server that must stay up.
 * It costs no extra write: the lease release already saves the run's state.
 *
 * @module
 */

/** One run, as `/metrics` shows it. */
export interface SweepRunSummary {
  started_at: string;
  finished_at: string;
  /** Store operations of the run before its lease release (the release itself is one conditional write more). */
  store_ops: number;
  errors: number;
  budget_exhausted: boolean;
  slept: number;
  deleted: number;
  redriven: number;
  lost: number;
}

/**
 * Totals since the lease document was created. Runs skipped because another held the lease are not counted:
 * recording them would cost a write on a document the running sweeper is about to write.
 */
export interface SweeperStats {
  runs: number;
  store_ops: number;
  errors: number;
  last_run?: SweepRunSummary;
}

export const initialSweeperStats = (): SweeperStats => ({ runs: 0, store_ops: 0, errors: 0 });

/** What `withRun` reads of a run's report (its own shape, so that the report's module need not be imported). */
type RunCounts = Omit<SweepRunSummary, 'store_ops'>;

/** The stats after one more run (pure: the caller saves them with the lease). */
export function withRun(stats: SweeperStats, report: RunCounts, storeOps: number): SweeperStats {
  return {
    runs: stats.runs + 1,
    store_ops: stats.store_ops + storeOps,
    errors: stats.errors + report.errors,
    last_run: {
      started_at: report.started_at,
      finished_at: report.finished_at,
      store_ops: storeOps,
      errors: report.errors,
      budget_exhausted: report.budget_exhausted,
      slept: report.slept,
      deleted: report.deleted,
      redriven: report.redriven,
      lost: report.lost,
    },
  };
}
