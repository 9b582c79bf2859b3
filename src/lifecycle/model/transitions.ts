/**
 * Named record transitions. Every phase change goes through `transition`, so `last_transition`, `phase_since` and
 * the event sequence can never disagree with `phase`.
 *
 * @module
 */

import type { OpLease, Phase, Reason, WorkerRecord } from './record';
import { iso } from './record';
import { CLOCK_SKEW_MARGIN_MS, type LifecycleSettings } from './settings';

export interface Cause {
  reason: Reason;
  actor: string;
  message?: string;
}

/**
 * When a transition after one made at `previousAt` happens: `now`, or a millisecond after the previous one when
 * this function's clock is behind it. A worker's transitions (and the outbox entries listed by their time, which
 * are delivered in that order) then keep the order they were made in, whichever function's clock made them.
 */
export const transitionTime = (previousAt: string | undefined, now: number): number =>
  previousAt === undefined ? now : Math.max(now, Date.parse(previousAt) + 1);

export function transition(record: WorkerRecord, to: Phase, cause: Cause, now: number): WorkerRecord {
  // The stop owed by a failed worker is owed only while it is failed: any way out drives the backend anew.
  const { stop_check_at: _owed, ...rest } = record;
  const at = transitionTime(record.last_transition.at, now);
  return {
    ...(to === 'failed' ? record : rest),
    phase: to,
    phase_since: to === record.phase ? record.phase_since : iso(at),
    last_transition: {
      at: iso(at),
      from: record.phase,
      to,
      reason: cause.reason,
      actor: cause.actor,
      ...(cause.message ? { message: cause.message } : {}),
    },
    event_seq: record.event_seq + 1,
  };
}

/** A new boot: readiness reports are only accepted from an instance started after `boot.since` (minus skew). */
export const bumpBoot = (record: WorkerRecord, now: number): WorkerRecord => ({
  ...record,
  boot: { epoch: record.boot.epoch + 1, since: iso(now) },
});

export const leaseExpiry = (now: number, settings: LifecycleSettings): string =>
  iso(now + settings.functionTimeoutSeconds * 1000 + CLOCK_SKEW_MARGIN_MS);

/**
 * Takes the operation lease in the same write as an intent, if nobody holds a live one. Returns the lease id when
 * this write makes the caller the driver.
 */
export function takeLeaseIfFree(
  record: WorkerRecord,
  owner: string,
  now: number,
  settings: LifecycleSettings,
): { record: WorkerRecord; leaseId?: string } {
  if (record.op && Date.parse(record.op.expires_at) > now) return { record };
  const op: OpLease = {
    id: crypto.randomUUID(),
    owner,
    generation: record.spec_generation,
    expires_at: leaseExpiry(now, settings),
  };
  return { record: { ...record, op }, leaseId: op.id };
}

/** Clears failure bookkeeping: an explicit wake, update or delete is a fresh start. */
export const resetAttempts = (record: WorkerRecord): WorkerRecord => {
  const { last_error: _e, next_check_at: _n, ...rest } = record;
  return { ...rest, attempts: 0 };
};
