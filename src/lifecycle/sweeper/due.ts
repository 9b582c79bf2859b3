/**
 * Step 2 of a run: the `due/` hints, oldest first, from the start of the prefix up to now + lookahead (no
 * persisted low-water mark, so a hint filed late for an earlier time is still found).
 *
 * For each hint: read the record, apply the policy, act through the operation lease, file the hint for the
 * record's next deadline, then delete exactly the hint processed. A worker that could not be settled gets its
 * next hint later by its backoff, never at the head again, so a thousand failing workers cannot starve the one
 * behind them.
 *
 * One look at a worker is enough for all of its hints: churn leaves many behind (every write that takes an
 * operation lease files one at the lease's expiry, superseded by the next write), and the later ones of a worker
 * already handled in this run are deleted without reading anything, once past due and old enough that no writer
 * can still be at work behind them. A backlog drains in one run, not one hint per worker per run.
 *
 * @module
 */

import type { Beat, WorkerRecord } from '../model';
import { CLOCK_SKEW_MARGIN_MS, isWorker } from '../model';
import { LABEL_SCHEDULES_HINT, layout } from '../persistence';
import {
  dropStaleLease,
  expireWorker,
  failWedged,
  redrive,
  sleepIdle,
  sleepProtected,
  stopFailed,
} from './actions';
import { processLabelSchedules } from './label-schedules';
import { hintTime, verdictFor } from './policies';
import { runBounded, type SweepRun } from './run';
import { applySchedule } from './schedule';
import { MIN_HINT_BACKOFF_MS, READ_CONCURRENCY } from './settings';

const HINT_PAGE = 1000;

/** How long a create may still write its record after filing its hint: its lease (function timeout + skew). */
const createInFlightMs = (run: SweepRun) =>
  run.ctx.settings.functionTimeoutSeconds * 1000 + CLOCK_SKEW_MARGIN_MS;

/** Whether any hint is due by the run's horizon: one listing of at most one key. */
export async function anyHintDue(run: SweepRun): Promise<boolean> {
  const page = await run.ctx.repo.listHintsUpTo(run.now() + run.settings.lookaheadMs, { limit: 1 });
  return page.keys.length > 0;
}

export async function processDueHints(run: SweepRun, until: number): Promise<void> {
  const horizon = run.now() + run.settings.lookaheadMs;
  // One worker is handled once per run; a second hint of it waits for the next run.
  const handled = new Set<string>();
  let startAfter: string | undefined;
  for (;;) {
    if (!run.hasTime(until)) return;
    const page = await run.ctx.repo.listHintsUpTo(horizon, {
      limit: HINT_PAGE,
      ...(startAfter ? { startAfter } : {}),
    });
    const keys = page.keys;
    const started = await runBounded(
      keys,
      READ_CONCURRENCY,
      ({ key, lastModified }) => processHint(run, key, lastModified, handled),
      () => run.hasTime(until),
    );
    if (started < keys.length) {
      run.report.hints_left += keys.length - started;
      return;
    }
    if (!page.cursor) return;
    startAfter = page.cursor;
  }
}

async function processHint(
  run: SweepRun,
  key: string,
  lastModified: number,
  handled: Set<string>,
): Promise<void> {
  const { repo } = run.ctx;
  const parsed = layout.parseHint(key);
  if (!parsed) {
    await repo.deleteHint(key).catch((error) => run.fail('due', key, error));
    return;
  }
  if (handled.has(parsed.name)) {
    await retireIfSuperseded(run, key, parsed.atMs, lastModified);
    return;
  }
  handled.add(parsed.name);
  run.report.hints_processed++;
  if (parsed.name === LABEL_SCHEDULES_HINT) {
    // The hint stays when this fails: the next run looks again.
    await processLabelSchedules(run, key, parsed.atMs).catch((error) => run.fail('schedule', key, error));
    return;
  }
  // The latest record this run read, for where to move the hint if processing fails.
  let known: WorkerRecord | undefined;
  try {
    const read = await repo.read(parsed.name);
    const record = read?.value;
    if (!isWorker(record)) {
      // A create files its hint before its record (over nothing or a tombstone): a hint this young may belong to
      // a create still at work, whose record has not landed yet. It stays until no create can be (its lease).
      if (lastModified > (await run.knowStoreTime()) - createInFlightMs(run)) return;
      await repo.deleteHint(key);
      run.report.hints_removed++;
      return;
    }
    known = record;
    const { attempted, beat } = await act(run, record);
    // Whether the action's write landed or lost to a concurrent one, the next deadline is the stored record's.
    const latest = attempted ? (await repo.read(parsed.name))?.value : record;
    if (isWorker(latest)) known = latest;
    await refile(run, key, parsed.atMs, isWorker(latest) ? latest : null, beat);
  } catch (error) {
    run.fail('due', parsed.name, error);
    // A hint listed early (the lookahead) pins nothing yet, and moving it would put it past the deadline it
    // stands for (a lease's expiry, say): it stays, for the next run.
    if (parsed.atMs > run.now()) return;
    // Still move it forward, so this worker does not pin the head, but never past a deadline of the record that
    // is still ahead (a retry its failed drive scheduled sooner); if even that fails, the hint stays.
    const now = run.now();
    const due = known ? hintTime(known, run.ctx.settings, now) : undefined;
    try {
      await repo.putHint(Math.min(now + MIN_HINT_BACKOFF_MS, due ?? Number.POSITIVE_INFINITY), parsed.name);
      await repo.deleteHint(key);
    } catch {
      // The store is failing; the next run retries from this very hint.
    }
  }
}

/**
 * A further hint of a worker this run has looked at. The first hint's processing leaves the worker covered (it
 * files the hint for the record's next deadline before deleting its own, and a failure moves its own hint
 * forward instead), so a later one that is past due says nothing more — unless a writer filed it and may still
 * write the record it stands for: a hint is filed before its record write, and a writer is gone once its
 * function timeout (plus clock skew) has passed. A young hint stays for the next run; one not yet due stays too.
 */
async function retireIfSuperseded(run: SweepRun, key: string, atMs: number, lastModified: number) {
  if (atMs > run.now() || lastModified > (await run.knowStoreTime()) - createInFlightMs(run)) return;
  try {
    await run.ctx.repo.deleteHint(key);
    run.report.hints_retired++;
  } catch (error) {
    run.fail('due', key, error);
  }
}

async function act(run: SweepRun, record: WorkerRecord): Promise<{ attempted: boolean; beat: Beat | null }> {
  const verdict = verdictFor(record, run.now(), run.ctx.settings);
  const acted = async (action: Promise<unknown>) => {
    await action;
    return { attempted: true, beat: null };
  };
  switch (verdict.kind) {
    case 'delete':
      return acted(expireWorker(run, record));
    case 'ttl_blocked':
      return acted(sleepProtected(run, record));
    case 'wedged':
      return acted(failWedged(run, record));
    case 'redrive':
      return acted(redrive(run, record));
    case 'stop_failed':
      return acted(stopFailed(run, record));
    case 'release':
      return acted(dropStaleLease(run, record));
    case 'idle':
      return { attempted: true, beat: (await sleepIdle(run, record)).beat };
    case 'schedule':
      return applySchedule(run, record);
    case 'none':
      return { attempted: false, beat: null };
  }
}

/**
 * Files the hint for the worker's next deadline (keyed by the record's `write_id`, so filing it twice writes the
 * same key) and deletes the processed one, in that order: a crash in between leaves two hints, never none. A
 * hint listed early by the lookahead that is still no later than the deadline simply stays.
 */
async function refile(
  run: SweepRun,
  key: string,
  hintAt: number,
  record: WorkerRecord | null,
  beat: Beat | null,
) {
  const { repo } = run.ctx;
  const now = run.now();
  const at = record ? hintTime(record, run.ctx.settings, now, beat) : undefined;
  if (record === null || at === undefined) {
    await repo.deleteHint(key);
    if (record === null) run.report.hints_removed++;
    return;
  }
  if (hintAt > now && hintAt <= at) return;
  const next = layout.hint(at, record.name, record.write_id);
  if (next === key) return;
  await repo.putHint(at, record.name, record.write_id);
  await repo.deleteHint(key);
}
