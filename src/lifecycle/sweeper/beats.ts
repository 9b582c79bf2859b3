/**
 * Step 3 of a run: workers that went silent. `beats/` is listed 1,000 keys per call and only the records of
 * workers whose beat is older than the silence threshold (by `lastModified`, the store's own clock, so no
 * function's clock skew matters) are read: a quiet fleet costs one listing per 1,000 awake workers.
 *
 * The threshold is `unresponsiveAfterSeconds`, but never less than a beat's own staleness (`beat_write_interval +
 * 3 × heartbeat interval`): a heartbeat rewrites `beats/` only every `beat_write_interval`, so a worker that
 * heartbeats on time has a beat up to that old, and must not be restarted for it.
 *
 * A silent `ready` worker is revived (restarted, or recreated when its resource is gone). A beat left behind by a
 * worker that is no longer ready belongs to a boot that is over; it is removed, so it is not read again.
 *
 * @module
 */

import { beatStaleAfterMs, isWorker, type LifecycleSettings } from '../model';
import { canRevive, lastSignOfLife, revive } from './revive';
import { runBounded, type SweepRun } from './run';
import { READ_CONCURRENCY } from './settings';

const BEAT_PAGE = 1000;

/** How long a `ready` worker's beat may go unwritten before the worker counts as silent. */
export const silenceThresholdMs = (settings: LifecycleSettings): number =>
  Math.max(settings.unresponsiveAfterSeconds * 1000, beatStaleAfterMs(settings));

/**
 * How often `beats/` is listed: half the silence threshold, so a silent worker is restarted between 1 and 1.5
 * times the threshold after its last beat (plus a run). Listing it every run (one call per 1,000 awake workers)
 * was most of what a quiet run cost, for a judgement made in minutes.
 */
export const beatCheckIntervalMs = (settings: LifecycleSettings): number => silenceThresholdMs(settings) / 2;

/** Whether this run lists `beats/` (no I/O: a quiet run is decided on it). */
export function beatCheckDue(run: SweepRun): boolean {
  const last = run.state.beats.last_checked_at;
  return last === undefined || run.roughStoreNow() - last >= beatCheckIntervalMs(run.ctx.settings);
}

export async function checkSilentWorkers(run: SweepRun): Promise<void> {
  const silentMs = silenceThresholdMs(run.ctx.settings);
  const checks = run.state.beats;
  if (!beatCheckDue(run)) return;
  const threshold = (await run.knowStoreTime()) - silentMs;
  const silent: string[] = [];
  let startAfter: string | undefined;
  do {
    const page = await run.ctx.repo.listBeats({ limit: BEAT_PAGE, ...(startAfter ? { startAfter } : {}) });
    for (const { name, lastModified } of page.beats) if (lastModified < threshold) silent.push(name);
    startAfter = page.cursor;
  } while (startAfter && run.hasTime());
  // A listing cut short by the budget is not a check: the next run lists again from the start.
  if (!startAfter) checks.last_checked_at = run.storeNow;
  await runBounded(
    silent,
    READ_CONCURRENCY,
    (name) => checkOne(run, name, silentMs),
    () => run.hasTime(),
  );
}

async function checkOne(run: SweepRun, name: string, silentMs: number): Promise<void> {
  const { repo } = run.ctx;
  try {
    const record = (await repo.read(name))?.value;
    if (!isWorker(record) || record.phase !== 'ready' || record.desired !== 'running') {
      if (await deleteStaleBeat(run, name, silentMs)) run.report.beats_removed++;
      return;
    }
    const now = run.now();
    // The beat is old, but the record may show a newer sign of life (a readiness whose beat write failed).
    if (now - lastSignOfLife(record) < silentMs || !canRevive(record, now)) return;
    await revive(run, record, 'unresponsive');
  } catch (error) {
    run.fail('beats', name, error);
  }
}

/**
 * Deletes the beat only if it is still the old one: a new boot that became ready since the listing has just
 * written a fresh beat, and that one must stay.
 */
async function deleteStaleBeat(run: SweepRun, name: string, silentMs: number): Promise<boolean> {
  return run.ctx.repo.sweeper.deleteBeatIfSilent(name, run.now() - silentMs);
}
