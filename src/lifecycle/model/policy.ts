/**
 * Pure policy: the idle clock, deadlines, the next planned action and the HiClaw status word.
 * Time-based states (idle, expired, stale) are derived here on read, never stored.
 *
 * @module
 */

import type { Beat, HiclawStatus, WorkerRecord } from './record';
import { AWAKE_PHASES, ms, TRANSITIONAL_PHASES } from './record';
import { nextScheduled, type ScheduledAction } from './schedule';
import type { LifecycleSettings } from './settings';

/**
 * What the sweeper does at `at`. `fail_if_stuck` is the wedge deadline of a transitional phase: nothing is planned
 * for that moment, but a worker still in the same phase then is marked `failed` (it was called `fail`, which read
 * as if every new worker were about to fail).
 */
export type ActionKind = 'sleep' | 'wake' | 'delete' | 'redrive' | 'retry' | 'fail_if_stuck' | 'check';

export interface NextAction {
  kind: ActionKind;
  /** Epoch milliseconds. */
  at: number;
}

/** A beat older than this (`beat_write_interval + 3 × heartbeat interval`) no longer says anything current. */
export const beatStaleAfterMs = (settings: LifecycleSettings): number =>
  (settings.beatWriteIntervalSeconds + 3 * settings.heartbeatIntervalSeconds) * 1000;

/**
 * Until when a beat vouches that the worker is busy. A beat is rewritten only every `beat_write_interval` (or
 * when `busy` flips), so its `busy_at` lags a worker that keeps reporting busy by up to that interval; a beat
 * that still says `busy: true` means the worker said so at its last heartbeat. It counts as busy for as long as
 * the beat would count as fresh, which needs no write per heartbeat; a worker that stops heartbeating stops
 * vouching once the beat goes stale.
 */
export function busyUntil(record: WorkerRecord, beat: Beat | null, settings: LifecycleSettings): number {
  if (!beat || beat.uid !== record.uid) return 0;
  const lastSaidBusy = ms(beat.busy_at) ?? 0;
  return beat.busy ? Math.max(lastSaidBusy, Date.parse(beat.at) + beatStaleAfterMs(settings)) : lastSaidBusy;
}

/**
 * `idle_since = max(last_activity_at, activity-lease end, busy until, woke_at)`; a plain heartbeat is not
 * activity, a busy one is (see `busyUntil`).
 */
export function idleSince(record: WorkerRecord, beat: Beat | null, settings: LifecycleSettings): number {
  return Math.max(
    ms(record.created_at) ?? 0,
    ms(record.woke_at) ?? 0,
    ms(record.last_activity_at) ?? 0,
    ms(record.activity_lease_until) ?? 0,
    busyUntil(record, beat, settings),
  );
}

export const isAwake = (record: WorkerRecord): boolean => AWAKE_PHASES.has(record.phase);

export function idleDeadline(
  record: WorkerRecord,
  beat: Beat | null,
  settings: LifecycleSettings,
): number | undefined {
  if (record.idle_timeout_seconds <= 0 || !isAwake(record) || record.desired !== 'running') return undefined;
  return idleSince(record, beat, settings) + record.idle_timeout_seconds * 1000;
}

export const isExpired = (record: WorkerRecord, now: number): boolean =>
  record.expires_at !== undefined && Date.parse(record.expires_at) <= now;

export const isLeaseLive = (record: WorkerRecord, now: number): boolean =>
  record.op !== undefined && Date.parse(record.op.expires_at) > now;

/**
 * The earliest thing the sweeper must do for this worker, or `null` when nothing is planned.
 * With `beat` omitted the answer is never later than with it (busy beats only postpone sleep), which is what
 * makes it safe for filing `due/` hints without reading `beats/`.
 */
export function nextAction(
  record: WorkerRecord,
  settings: LifecycleSettings,
  beat: Beat | null = null,
): NextAction | null {
  const candidates: NextAction[] = [];
  const expires = ms(record.expires_at);
  if (expires !== undefined && record.desired !== 'deleted') {
    const blocked = record.deletion_protection;
    if (!blocked || isAwake(record)) candidates.push({ kind: blocked ? 'sleep' : 'delete', at: expires });
  }
  if (record.op) candidates.push({ kind: 'redrive', at: Date.parse(record.op.expires_at) });
  // A failed worker is never re-driven (only a wake, update or delete leaves `failed`): a retry time it still
  // carries (from a drive of an intent that left it failed) is no deadline, or its hint would be re-filed forever.
  const retryAt = record.phase === 'failed' ? undefined : ms(record.next_check_at);
  if (retryAt !== undefined) candidates.push({ kind: 'retry', at: retryAt });
  const stopCheckAt = record.phase === 'failed' ? ms(record.stop_check_at) : undefined;
  if (stopCheckAt !== undefined) candidates.push({ kind: 'check', at: stopCheckAt });
  if (TRANSITIONAL_PHASES.has(record.phase)) {
    candidates.push({
      kind: 'fail_if_stuck',
      at: Date.parse(record.phase_since) + settings.wedgedAfterSeconds * 1000,
    });
  }
  const idle = idleDeadline(record, beat, settings);
  if (idle !== undefined) candidates.push({ kind: 'sleep', at: idle });
  const scheduled = pendingScheduled(record);
  if (scheduled) {
    // A busy worker is not slept on schedule (as for idleness): its scheduled sleep waits for the busy beat and
    // for an activity lease.
    const at =
      scheduled.kind === 'sleep'
        ? Math.max(scheduled.at, busyUntil(record, beat, settings), ms(record.activity_lease_until) ?? 0)
        : scheduled.at;
    candidates.push({ kind: scheduled.kind, at });
  }
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (b.at < a.at ? b : a));
}

/**
 * The first occurrence of the worker's schedule not yet carried out, or `undefined`: none, or none before its
 * lifetime ends (no scheduled wake or sleep happens past `expires_at`), or the worker is being deleted.
 */
export function pendingScheduled(record: WorkerRecord): ScheduledAction | undefined {
  if (!record.schedule || record.desired === 'deleted') return undefined;
  const from = ms(record.schedule_from) ?? ms(record.created_at) ?? 0;
  const next = nextScheduled(record.schedule, from);
  const expires = ms(record.expires_at);
  if (!next || (expires !== undefined && next.at >= expires)) return undefined;
  return next;
}

export const deadlineOf = (settings: LifecycleSettings) => (record: WorkerRecord) =>
  nextAction(record, settings)?.at;

/** A `ready` worker whose last beat is older than `beat_write_interval + 3 × heartbeat interval` is stale. */
export function isStale(
  record: WorkerRecord,
  beat: Beat | null,
  now: number,
  settings: LifecycleSettings,
): boolean {
  if (record.phase !== 'ready') return false;
  const last = Math.max(
    ms(beat && beat.uid === record.uid ? beat.at : undefined) ?? 0,
    ms(record.ready_at) ?? 0,
  );
  return now - last > beatStaleAfterMs(settings);
}

/** The HiClaw status word for a phase (README, "Using it with HiClaw"). */
export function hiclawStatus(record: WorkerRecord, stale: boolean): HiclawStatus {
  switch (record.phase) {
    case 'pending':
    case 'starting':
    case 'updating':
    case 'lost':
      return record.backend_state === 'running' ? 'running' : 'starting';
    case 'ready':
      return stale ? 'running' : 'ready';
    case 'stopping':
    case 'sleeping':
      return 'stopped';
    case 'deleting':
      return 'not_found';
    case 'failed':
      return 'unknown';
  }
}
