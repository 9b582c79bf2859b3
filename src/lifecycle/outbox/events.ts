/**
 * Which transitions leave as webhook events, and each event's body. The body is the Standard Webhooks payload:
 * `{type, timestamp, data}`; `data` always names the worker, its incarnation (`uid`) and `generation`.
 *
 * @module
 */

import type { StoredWorker, WorkerRecord } from '../model';

type Transition = StoredWorker['last_transition'];

import type { OutboxEvent } from '../persistence';

export const EVENT_TYPES = [
  'worker.created',
  'worker.ready',
  'worker.slept',
  'worker.woke',
  'worker.updated',
  'worker.failed',
  'worker.lost',
  'worker.deleted',
  'worker.orphan_found',
  'credentials.issued',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent only to endpoints that list them: frequent, and rarely what a manager reacts to. */
export const OPT_IN_TYPES: ReadonlySet<EventType> = new Set(['credentials.issued']);

/** The type a transition is reported as, or null for the steps in between (pending → starting, → stopping, …). */
export function eventTypeOf(t: Transition): EventType | null {
  if (t.to === 'deleted') return 'worker.deleted';
  if (t.from === 'none') return 'worker.created';
  if (t.to === 'ready') return 'worker.ready';
  if (t.to === 'sleeping') return 'worker.slept';
  if (t.to === 'starting' && (t.from === 'sleeping' || t.from === 'stopping' || t.from === 'failed'))
    return 'worker.woke';
  if (t.to === 'updating') return 'worker.updated';
  if (t.to === 'failed') return 'worker.failed';
  if (t.to === 'lost') return 'worker.lost';
  return null;
}

/** The reason an event is reported with: a lifetime that ran out reads `expired`, the word managers use. */
const reportedReason = (reason: string) => (reason === 'ttl' ? 'expired' : reason);

/** Stable per transition: the incarnation and its sequence number (a retry sends the same id). */
export const eventIdOf = (uid: string, seq: number) => `evt_${uid.replace(/[^A-Za-z0-9]/g, '')}_${seq}`;

/**
 * The event for the transition `written` carries. `previous` lends the labels and team of a worker whose
 * tombstone no longer has them. Env values, keys and secrets are never part of it.
 */
export function transitionEvent(
  written: StoredWorker,
  previous: StoredWorker | null,
): { type: EventType; event: OutboxEvent; labels: Record<string, string>; team?: string } | null {
  const t = written.last_transition;
  const type = eventTypeOf(t);
  if (!type) return null;
  const worker: WorkerRecord | null =
    written.kind === 'worker' ? written : previous?.kind === 'worker' ? previous : null;
  const labels = worker?.labels ?? {};
  const team = worker?.team ?? (written.kind === 'tombstone' ? written.team : undefined);
  const data: Record<string, unknown> = {
    name: written.name,
    uid: written.uid,
    generation: worker?.spec_generation ?? 0,
    phase: t.to,
    previous_phase: t.from,
    reason: reportedReason(t.reason),
    actor: t.actor,
    labels,
    ...(team ? { team } : {}),
    ...(t.message ? { message: t.message } : {}),
  };
  return {
    type,
    labels,
    ...(team ? { team } : {}),
    event: { id: eventIdOf(written.uid, written.event_seq), type, timestamp: t.at, data },
  };
}
