/**
 * Wake → ready and create → ready latencies, read off a worker's transition events.
 *
 * A wake is the move out of `sleeping`, `stopping` or `failed` into `starting`; a create is the first event of an
 * incarnation (`none` → `pending`). Either ends at the next move into `ready`. A sleep, deletion or failure before
 * that abandons it (no observation): a wake that never became ready has no latency, and is visible in the phases.
 *
 * @module
 */

/** The fields of an event this reads (the stored `WorkerEvent` has them). */
export interface TransitionEvent {
  at: string;
  uid: string;
  /** Orders the transitions of one incarnation that share a millisecond. */
  seq: number;
  from: string;
  to: string;
}

export interface Latencies {
  /** Seconds from each wake to ready. */
  wake: number[];
  /** Seconds from each create to its first ready. */
  create: number[];
}

const WAKES_FROM = new Set(['sleeping', 'stopping', 'failed']);
const ABANDONS = new Set(['sleeping', 'stopping', 'deleting', 'deleted', 'failed']);

/** `events` in any order, of one worker; only transitions of the same incarnation are paired. */
export function latenciesOf(events: readonly TransitionEvent[], into: Latencies): Latencies {
  const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
  let open: { kind: keyof Latencies; at: number; uid: string } | undefined;
  for (const event of ordered) {
    const at = Date.parse(event.at);
    // Notes (a credential issuance) stay in one phase: they are no transition.
    if (Number.isNaN(at) || event.from === event.to) continue;
    if (event.from === 'none') open = { kind: 'create', at, uid: event.uid };
    else if (event.to === 'starting' && WAKES_FROM.has(event.from))
      open = { kind: 'wake', at, uid: event.uid };
    else if (open && event.uid === open.uid && event.to === 'ready') {
      into[open.kind].push(Math.max(0, (at - open.at) / 1000));
      open = undefined;
    } else if (ABANDONS.has(event.to)) open = undefined;
  }
  return into;
}
