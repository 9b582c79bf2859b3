/**
 * What the simulation has seen happen, for the invariants that are about history rather than the current state:
 * every write of a worker record (observed at the store, so nothing the code does escapes it), the readiness
 * reports and activity calls that were answered, and the lifetimes the manager asked for.
 */
import type { StoredWorker, WorkerRecord } from '../../src/lifecycle/model/record';

export interface Violation {
  invariant: string;
  message: string;
}

interface IdleSleepDecision {
  at: number;
  idleTimeoutMs: number;
  lastBusyReport?: number;
  lastActivity?: { at: number; leaseEnd: number };
}

export class History {
  /** Latest answered `busy:true` report per uid (the time the worker said it). */
  readonly busyReports = new Map<string, number>();
  /** Latest answered activity call per uid. */
  readonly activities = new Map<string, { at: number; leaseEnd: number }>();
  /** The facts at the moment a sleep for idleness was written, per uid. */
  private readonly idleDecisions = new Map<string, IdleSleepDecision>();
  /** When each incarnation became a tombstone. */
  readonly tombstoned = new Map<string, { name: string; at: number }>();
  /** Every incarnation seen, with its name. */
  readonly incarnations = new Map<string, string>();
  /** Transitions written, per uid: sequence number and time (what the event key is made of). */
  readonly transitions = new Map<string, { seq: number; at: string }[]>();
  /** Absolute lifetimes the manager asked for, per name. */
  readonly requestedExpiries = new Map<string, Set<string>>();
  /** Violations found while observing, reported at the next check. */
  readonly pending: Violation[] = [];

  constructor(private readonly now: () => number) {}

  observeWorkerWrite(before: StoredWorker | null, after: StoredWorker | null): void {
    if (!after) return;
    this.incarnations.set(after.uid, after.name);
    const same = before !== null && before.uid === after.uid;
    if (!same || after.event_seq > before.event_seq) {
      const list = this.transitions.get(after.uid) ?? [];
      list.push({ seq: after.event_seq, at: after.last_transition.at });
      this.transitions.set(after.uid, list);
    }
    if (after.kind === 'tombstone') {
      if (!this.tombstoned.has(after.uid))
        this.tombstoned.set(after.uid, { name: after.name, at: this.now() });
      return;
    }
    if (!same || before.kind !== 'worker') return;
    this.checkLifetime(before, after);
    this.trackIdleSleep(before, after);
  }

  private checkLifetime(before: WorkerRecord, after: WorkerRecord): void {
    if (after.expires_at === before.expires_at) return;
    const asked = this.requestedExpiries.get(after.name);
    const later =
      after.expires_at === undefined ||
      (before.expires_at !== undefined && after.expires_at > before.expires_at);
    if (later && !(after.expires_at && asked?.has(after.expires_at))) {
      this.pending.push({
        invariant: 'lifetime_not_extended',
        message: `${after.name} (${after.uid.slice(0, 8)}): expires_at moved from ${before.expires_at} to ${after.expires_at} without a request`,
      });
    }
  }

  private trackIdleSleep(before: WorkerRecord, after: WorkerRecord): void {
    if (
      before.desired === 'running' &&
      after.desired === 'sleeping' &&
      after.last_transition.reason === 'idle'
    ) {
      const busy = this.busyReports.get(after.uid);
      const activity = this.activities.get(after.uid);
      this.idleDecisions.set(after.uid, {
        at: this.now(),
        idleTimeoutMs: before.idle_timeout_seconds * 1000,
        ...(busy !== undefined ? { lastBusyReport: busy } : {}),
        ...(activity ? { lastActivity: activity } : {}),
      });
    }
    if (
      before.phase !== 'sleeping' &&
      after.phase === 'sleeping' &&
      after.last_transition.reason === 'idle'
    ) {
      const decision = this.idleDecisions.get(after.uid);
      if (!decision) return;
      const { at, idleTimeoutMs, lastBusyReport, lastActivity } = decision;
      if (lastBusyReport !== undefined && lastBusyReport + idleTimeoutMs > at) {
        this.pending.push({
          invariant: 'busy_not_slept',
          message: `${after.name} was slept for idleness ${(at - lastBusyReport) / 1000}s after it reported busy (idle timeout ${idleTimeoutMs / 1000}s)`,
        });
      }
      if (lastActivity && (lastActivity.leaseEnd > at || lastActivity.at + idleTimeoutMs > at)) {
        this.pending.push({
          invariant: 'busy_not_slept',
          message: `${after.name} was slept for idleness ${(at - lastActivity.at) / 1000}s after an answered activity call`,
        });
      }
    }
  }

  requestExpiry(name: string, iso: string): void {
    const set = this.requestedExpiries.get(name) ?? new Set<string>();
    set.add(iso);
    this.requestedExpiries.set(name, set);
  }
}
