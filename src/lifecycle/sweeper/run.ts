/**
 * What one sweeper run carries through its steps: the context, its settings and deadline, the store's clock, the
 * state kept in the sweeper lease, the roster (loaded only when a step needs it) and the report it returns.
 *
 * @module
 */

import { OrchestratorError } from '../../errors';
import type { LifecycleContext } from '../context';
import { redactError } from '../model';
import type { SweeperState } from './lock';
import { Roster } from './roster';
import type { SweeperSettings } from './settings';

/** Counts of one run, logged as JSON by the scheduled function (snake_case like every other output). */
export interface SweepReport {
  ran: boolean;
  skipped?: 'lease_held';
  started_at: string;
  finished_at: string;
  /** True when the run stopped starting work because its time budget was spent. */
  budget_exhausted: boolean;
  hints_processed: number;
  /** Hints whose worker no longer exists, deleted. */
  hints_removed: number;
  /** Further past-due hints of a worker already looked at in this run, deleted without a read (churn's backlog). */
  hints_retired: number;
  /** Due hints listed but not reached in this run (budget); the next run starts with them. */
  hints_left: number;
  slept: number;
  deleted: number;
  redriven: number;
  failed: number;
  restarted: number;
  lost: number;
  /** Hints the full scan had to re-file: should stay at zero. */
  hint_repaired: number;
  events_repaired: number;
  tombstones_removed: number;
  /** Env values of incarnations with no live record (a create or delete that died half-way), removed. */
  secrets_removed: number;
  beats_removed: number;
  orphans: { candidates: number; reported: number; stopped: number; deleted: number };
  /**
   * Resources of a known worker that should not be as they are: running while the record is settled asleep (or
   * failed), or carrying the worker's uid under a name that is not the record's (a leftover of an interrupted
   * update). Both should stay at zero; each is logged with the resource name.
   */
  drift: { running_not_awake: number; misnamed: number };
  errors: number;
  /** The first few errors, one line each (messages carry names, never env values or keys). */
  problems: string[];
  /** Store operations of the run (counted through a wrapper of the run's own, on every store). */
  store_ops?: number;
}

const MAX_PROBLEMS = 20;

export const emptyReport = (startedAt: string): SweepReport => ({
  ran: true,
  started_at: startedAt,
  finished_at: startedAt,
  budget_exhausted: false,
  hints_processed: 0,
  hints_removed: 0,
  hints_retired: 0,
  hints_left: 0,
  slept: 0,
  deleted: 0,
  redriven: 0,
  failed: 0,
  restarted: 0,
  lost: 0,
  hint_repaired: 0,
  events_repaired: 0,
  tombstones_removed: 0,
  secrets_removed: 0,
  beats_removed: 0,
  orphans: { candidates: 0, reported: 0, stopped: 0, deleted: 0 },
  drift: { running_not_awake: 0, misnamed: 0 },
  errors: 0,
  problems: [],
});

export class SweepRun {
  private rosterLoad: Promise<Roster> | undefined;

  constructor(
    readonly ctx: LifecycleContext,
    readonly settings: SweeperSettings,
    readonly report: SweepReport,
    readonly state: SweeperState,
    /** Asks the store's clock at the start of the run (epoch ms); see `knowStoreTime`. */
    private readonly askStoreTime: () => Promise<number>,
    /** Epoch ms (our clock) after which no new work starts. */
    readonly deadline: number,
  ) {}

  private storeTime: number | undefined;

  now(): number {
    return this.ctx.clock.now();
  }

  /**
   * Learns the store's clock at the start of the run (one listing, once per run). A step calls it before it ages
   * anything by `lastModified`; cadence checks against passes hours apart use `now()`, so a quiet run never asks.
   */
  async knowStoreTime(): Promise<number> {
    this.storeTime ??= await this.askStoreTime();
    return this.storeTime;
  }

  /** The store's clock once known, else ours: for cadence checks of steps hours (or many minutes) apart. */
  roughStoreNow(): number {
    return this.storeTime ?? this.now();
  }

  /** The store's clock at the start of the run, once `knowStoreTime` has been awaited. */
  get storeNow(): number {
    if (this.storeTime === undefined) throw new Error('the store clock is read before it was asked for');
    return this.storeTime;
  }

  hasTime(until = this.deadline): boolean {
    const left = this.now() < until;
    if (!left) this.report.budget_exhausted = true;
    return left;
  }

  /** Loaded at most once per run, and only by a step that needs it. */
  roster(): Promise<Roster> {
    this.rosterLoad ??= Roster.load(this.ctx.repo.sweeper);
    return this.rosterLoad;
  }

  async saveRoster(): Promise<void> {
    if (this.rosterLoad) await (await this.rosterLoad).save();
  }

  /** One worker's failure is counted and logged; it never stops the run. */
  fail(step: string, subject: string, error: unknown): void {
    this.report.errors++;
    const message =
      error instanceof OrchestratorError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
    // Keys by shape, and the env values a backend call marked on the error.
    const line = redactError(error, `${step} ${subject}: ${message}`).slice(0, 300);
    if (this.report.problems.length < MAX_PROBLEMS) this.report.problems.push(line);
    this.ctx.log.warn('sweeper step failed', { step, subject, error: line });
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight; stops starting new items once `canStart` says no.
 * Returns how many items were started.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  canStart: () => boolean = () => true,
): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && canStart()) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return next;
}
