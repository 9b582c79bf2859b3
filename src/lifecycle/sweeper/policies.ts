/**
 * What the sweeper should do about one worker, as pure functions of its record and the time. The same
 * predicates run twice: once to decide, and again inside the conditional write that acts, on whatever record is
 * stored by then, so a wake, an activity or a PATCH that landed after the decision wins.
 *
 * @module
 */

import type { Beat, WorkerRecord } from '../model';
import {
  idleDeadline,
  isAwake,
  isExpired,
  isLeaseLive,
  iso,
  type LifecycleSettings,
  latestScheduled,
  ms,
  nextAction,
  pendingScheduled,
  retryBackoffMs,
  type ScheduledAction,
  TRANSITIONAL_PHASES,
} from '../model';
import { MIN_HINT_BACKOFF_MS } from './settings';

export type Verdict =
  /** Past `expires_at`: delete (reason `ttl`). */
  | { kind: 'delete' }
  /** Past `expires_at` under `deletion_protection`: sleep instead (reason `ttl_blocked`). */
  | { kind: 'ttl_blocked' }
  /** Idle by the record alone; the beat's `busy_at` may still postpone it. */
  | { kind: 'idle' }
  /** Too long in one transitional phase: `failed` (reason `wedged`), resource stopped. */
  | { kind: 'wedged' }
  /** A driver died or a retry is due: take the lease and drive. */
  | { kind: 'redrive' }
  /** A failed worker whose resource was not yet seen stopped: look it up and stop it, under the lease. */
  | { kind: 'stop_failed' }
  /** A failed worker still carries an expired lease: drop it (a failed worker is never re-driven). */
  | { kind: 'release' }
  /** An occurrence of its schedule is due: wake or sleep it (reason `schedule`). */
  | { kind: 'schedule' }
  | { kind: 'none' };

export const shouldDelete = (r: WorkerRecord, now: number): boolean =>
  r.desired !== 'deleted' && isExpired(r, now) && !r.deletion_protection;

export const shouldSleepForTtl = (r: WorkerRecord, now: number): boolean =>
  r.desired === 'running' && isExpired(r, now) && r.deletion_protection && isAwake(r);

/** Deletes are never failed: they keep being re-driven under backoff until the resource is gone. */
export const isWedged = (r: WorkerRecord, now: number, settings: LifecycleSettings): boolean =>
  r.desired !== 'deleted' &&
  TRANSITIONAL_PHASES.has(r.phase) &&
  now >= Date.parse(r.phase_since) + settings.wedgedAfterSeconds * 1000 &&
  !isLeaseLive(r, now);

/**
 * A worker needs a driver when nobody holds a live lease and: a lease expired (its holder died), its scheduled
 * retry is due, or (with no retry scheduled) it sits in a phase a driver must finish (`starting` only waits for
 * the worker's report) or the backend was never driven to the current generation. A `failed` worker waits for
 * an explicit wake, update or delete.
 */
export function needsDriving(r: WorkerRecord, now: number): boolean {
  if (r.phase === 'failed' || isLeaseLive(r, now)) return false;
  if (r.op !== undefined) return true;
  // A scheduled retry decides when: driving earlier would defeat the backoff.
  if (r.next_check_at !== undefined) return Date.parse(r.next_check_at) <= now;
  const unfinished = TRANSITIONAL_PHASES.has(r.phase) && r.phase !== 'starting';
  const behind =
    r.observed_generation < r.spec_generation ||
    (r.desired === 'running' && r.applied_template_generation < r.template_generation);
  return unfinished || behind;
}

/** A failed worker whose stop is not yet confirmed, due for a look, and no live driver in the way. */
export const owesStop = (r: WorkerRecord, now: number): boolean =>
  r.phase === 'failed' &&
  r.stop_check_at !== undefined &&
  Date.parse(r.stop_check_at) <= now &&
  !isLeaseLive(r, now);

/** Idle with the beat taken into account (a busy beat postpones sleep; a beat of another uid is ignored). */
export function isIdle(
  r: WorkerRecord,
  beat: Beat | null,
  now: number,
  settings: LifecycleSettings,
): boolean {
  const at = idleDeadline(r, beat, settings);
  return at !== undefined && at <= now;
}

export function verdictFor(r: WorkerRecord, now: number, settings: LifecycleSettings): Verdict {
  if (shouldDelete(r, now)) return { kind: 'delete' };
  if (shouldSleepForTtl(r, now)) return { kind: 'ttl_blocked' };
  if (isWedged(r, now, settings)) return { kind: 'wedged' };
  if (needsDriving(r, now)) return { kind: 'redrive' };
  if (owesStop(r, now)) return { kind: 'stop_failed' };
  if (r.phase === 'failed' && r.op && !isLeaseLive(r, now)) return { kind: 'release' };
  // Sleeping needs the lease free: a live driver is mid-operation, and its hint comes back at the lease's end.
  // So does a scheduled action, which is carried out like a manager's wake or sleep, under the lease.
  if (!isLeaseLive(r, now) && scheduleDue(r, now)) return { kind: 'schedule' };
  if (!isLeaseLive(r, now) && isIdle(r, null, now, settings)) return { kind: 'idle' };
  return { kind: 'none' };
}

/**
 * The occurrence of the worker's schedule to carry out now: the LATEST one since `schedule_from` (so windows
 * missed while no sweeper ran are applied once), when at least one is due and within the worker's lifetime.
 */
export function scheduleDue(r: WorkerRecord, now: number): ScheduledAction | undefined {
  const pending = pendingScheduled(r);
  if (!pending || pending.at > now || !r.schedule) return undefined;
  const from = ms(r.schedule_from) ?? ms(r.created_at) ?? 0;
  return latestScheduled(r.schedule, from, now) ?? pending;
}

/** Marks the worker's schedule carried out up to `now`. */
export const scheduleDone = (r: WorkerRecord, now: number): WorkerRecord => ({
  ...r,
  schedule_from: iso(now),
});

/**
 * When the sweeper must look at this worker next: its next deadline, or, when that is already past (the action
 * could not be taken now), later by the worker's backoff so a failing worker never pins the head of `due/` —
 * but no later than the expiry of a live lease.
 */
export function hintTime(
  r: WorkerRecord,
  settings: LifecycleSettings,
  now: number,
  beat: Beat | null = null,
) {
  const at = nextAction(r, settings, beat)?.at;
  if (at === undefined) return undefined;
  if (at > now) return at;
  const backoff = now + Math.max(MIN_HINT_BACKOFF_MS, retryBackoffMs(r.attempts));
  // A live lease's expiry is a deadline of its own, even behind an overdue one: if its holder dies, the worker is
  // re-driven then, not a backoff later.
  const leaseEnd = r.op ? Date.parse(r.op.expires_at) : undefined;
  return leaseEnd !== undefined && leaseEnd > now ? Math.min(backoff, leaseEnd) : backoff;
}
