/**
 * Invariants that only hold once the system had its chance to converge: faults off, every invocation finished,
 * the sweeper run until nothing is due. Each says why it matters.
 */
import type { WorkerRecord } from '../../../src/lifecycle/model/record';
import { layout } from '../../../src/lifecycle/persistence/layout';
import type { Violation } from '../history';
import type { World } from '../world';
import type { Snapshot } from './snapshot';

const SETTLED = new Set(['ready', 'sleeping', 'failed']);

/**
 * The point of the orchestrator: what the record says is what runs. An awake worker has exactly its resource
 * running; a sleeping, failed or deleted one has none (a container left running behind a sleeping record bills
 * forever and the sweeper never looks at it).
 */
export function converged(s: Snapshot): Violation[] {
  const out: Violation[] = [];
  const active = s.resources.filter((r) => r.active);
  const live = new Map(s.workers.map((w) => [w.uid, w] as const));
  for (const w of s.workers) {
    const mine = active.filter((r) => r.uid === w.uid);
    if (!SETTLED.has(w.phase))
      out.push({
        invariant: 'converged',
        message: `${w.name} is still ${w.phase} (desired ${w.desired}) at quiescence`,
      });
    else if (w.phase === 'ready' && (mine.length !== 1 || mine[0]!.name !== w.backend_ref?.resource_name))
      out.push({
        invariant: 'converged',
        message: `${w.name} is ready but runs ${mine.map((r) => r.name).join(', ') || 'nothing'}`,
      });
    else if (w.phase !== 'ready' && mine.length > 0)
      out.push({
        invariant: 'converged',
        message: `${w.name} is ${w.phase} but ${mine.map((r) => `${r.backend}:${r.name}`).join(', ')} still runs`,
      });
  }
  for (const r of active) {
    if (!live.has(r.uid))
      out.push({
        invariant: 'converged',
        message: `${r.backend}:${r.name} runs for incarnation ${r.uid.slice(0, 8)} of ${r.worker}, which has no live record`,
      });
  }
  return out;
}

/** Retention is a promise about data: nothing of a deleted incarnation survives its retention, anywhere. */
export function deletedIncarnationGone(s: Snapshot, world: World, slackMs: number): Violation[] {
  const out: Violation[] = [];
  const retention = world.sweeper.tombstoneRetentionSeconds * 1000;
  // Events keep their own (longer) retention: those of an incarnation whose tombstone a re-create replaced are
  // trimmed with the name's events, not with the tombstone.
  const eventRetentionMs = world.settings.eventRetentionDays * 86_400_000;
  for (const [uid, { name, at }] of world.history.tombstoned) {
    if (s.now < at + retention + slackMs) continue;
    if (s.stored.get(name)?.uid === uid && s.stored.get(name)?.kind === 'worker') continue;
    const left = s.keys.filter(
      (key) =>
        (key === layout.worker(name) && s.stored.get(name)?.uid === uid) ||
        key === layout.secrets(name, uid) ||
        (key.startsWith(layout.eventsPrefix(name)) &&
          key.includes(`-${uid}-`) &&
          s.now - at > eventRetentionMs) ||
        (key === layout.beat(name) && world.bucket.json<{ uid: string }>(key)?.uid === uid),
    );
    if (left.length > 0)
      out.push({
        invariant: 'deleted_incarnation_gone',
        message: `${name} (${uid.slice(0, 8)}) deleted ${(s.now - at) / 1000}s ago still has ${left.join(', ')}`,
      });
  }
  return out;
}

/** A hint long past its time means the sweeper skipped work it was told about. */
export function noStaleHint(s: Snapshot, staleMs: number): Violation[] {
  return s.hints
    .filter((h) => h.atMs < s.now - staleMs)
    .map((h) => ({ invariant: 'no_stale_hint', message: `${h.key} is ${(s.now - h.atMs) / 1000}s overdue` }));
}

/** Managers debug from the event log: every phase change of a live incarnation must be in it. */
export function eventsExplainPhases(s: Snapshot, world: World): Violation[] {
  const out: Violation[] = [];
  for (const stored of s.stored.values()) {
    const written = world.history.transitions.get(stored.uid) ?? [];
    for (const { seq, at } of written) {
      if (!s.keys.includes(layout.event(stored.name, Date.parse(at), stored.uid, seq))) {
        const last = seq === stored.event_seq ? 'its last transition' : 'an earlier transition';
        out.push({
          invariant: 'events_explain_phases',
          message: `${stored.name} (${stored.uid.slice(0, 8)}): no event for ${last} #${seq} at ${at}`,
        });
      }
    }
  }
  return out;
}

export const isSettled = (w: WorkerRecord) => SETTLED.has(w.phase);
