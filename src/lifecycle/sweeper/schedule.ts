/**
 * Carrying out a worker's schedule: the latest due occurrence is applied exactly as a manager's wake or sleep
 * would be (the same builds, reason `schedule`, the same lease and so the same events and webhooks), in ONE
 * conditional write that also marks the schedule done up to now. An occurrence with nothing to do (a wake of an
 * awake worker, a sleep of a sleeping one, a wake past its lifetime) only moves `schedule_from`.
 *
 * A worker that reports busy (or holds an activity lease) is not slept on schedule — the rule of the idle sleep: the busy beat is read before
 * the write and again after it (a heartbeat may have said busy in between), and the sleep is withdrawn before any
 * backend call. The occurrence then stays owed: its deadline becomes the end of the busy beat, so the worker sleeps
 * once it stops being busy, unless a scheduled wake comes first.
 *
 * @module
 */

import { ConflictError } from '../../errors';
import type { Beat, ScheduledKind, WorkerRecord } from '../model';
import { busyUntil, isLeaseLive, isWorker, ms, SWEEPER, takeLeaseIfFree } from '../model';
import { sleepBuild, wakeBuild } from '../requests';
import { driveUnder, withdrawSleep } from './actions';
import { scheduleDone, scheduleDue } from './policies';
import type { SweepRun } from './run';

/** A worker's own schedule: its latest due occurrence, marked done up to now in the same write. */
export function applySchedule(run: SweepRun, record: WorkerRecord) {
  return carryOutScheduled(run, record, {
    due: (current, now) => scheduleDue(current, now)?.kind,
    mark: scheduleDone,
  });
}

/** What to carry out on a worker, decided again inside the conditional write on the record stored then. */
export interface ScheduledStep {
  due: (current: WorkerRecord, now: number) => ScheduledKind | undefined;
  /** What else the write records (a worker's own schedule moves `schedule_from`). */
  mark: (current: WorkerRecord, now: number) => WorkerRecord;
}

export interface CarriedOut {
  attempted: boolean;
  beat: Beat | null;
  /** Nothing was done because another operation holds the worker's lease: the occurrence is still owed. */
  leased?: boolean;
}

/**
 * Carries out one scheduled wake or sleep under the lease, like a manager's intent. A sleep of a worker that
 * reports busy writes nothing (and is withdrawn if the busy report lands just after the write).
 */
export async function carryOutScheduled(
  run: SweepRun,
  record: WorkerRecord,
  step: ScheduledStep,
): Promise<CarriedOut> {
  const { repo, settings, owner } = run.ctx;
  const due = step.due(record, run.now());
  if (!due) return { attempted: false, beat: null };
  const beat = due === 'sleep' ? await repo.readBeat(record.name) : null;
  // An activity lease (work assigned for a while) holds a scheduled sleep off like a busy beat, as it does the idle
  // sleep: the manager said the worker is in use until then.
  const busy = (current: WorkerRecord, seen: Beat | null, now: number) =>
    Math.max(busyUntil(current, seen, settings), ms(current.activity_lease_until) ?? 0) > now;
  if (due === 'sleep' && record.desired === 'running' && busy(record, beat, run.now())) {
    return { attempted: false, beat };
  }
  let leaseId: string | undefined;
  let before: WorkerRecord | undefined;
  let kind: ScheduledKind | undefined;
  let leased = false;
  const written = await repo.mutate(record.name, (current) => {
    leaseId = undefined;
    before = undefined;
    const now = run.now();
    leased = isWorker(current) && current.uid === record.uid && isLeaseLive(current, now);
    if (!isWorker(current) || current.uid !== record.uid || leased) return undefined;
    const still = step.due(current, now);
    if (!still) return undefined;
    if (still === 'sleep' && current.desired === 'running' && busy(current, beat, now)) return undefined;
    kind = still;
    const next = carryOut(still, step.mark(current, now), now);
    if (next.spec_generation === current.spec_generation) return next === current ? undefined : next;
    before = current;
    const taken = takeLeaseIfFree(next, owner, now, settings);
    leaseId = taken.leaseId;
    return taken.record;
  });
  if (!leaseId || !before) return { attempted: written.changed, beat, ...(leased ? { leased } : {}) };
  if (kind === 'sleep') {
    const after = await repo.readBeat(record.name);
    if (busy(before, after, run.now()) && (await withdrawSleep(run, before, leaseId))) {
      return { attempted: true, beat: after };
    }
    run.report.slept++;
  }
  await driveUnder(run, record.name, leaseId);
  return { attempted: true, beat };
}

/** The manager's wake or sleep, or the record unchanged when the occurrence has nothing to do. */
function carryOut(kind: ScheduledKind, record: WorkerRecord, now: number): WorkerRecord {
  if (kind === 'sleep') {
    if (record.desired !== 'running') return record;
    return sleepBuild(SWEEPER, 'schedule')(record, now) ?? record;
  }
  // A wake of an awake worker is no activity here: a schedule is not someone using the worker.
  if (record.desired === 'running' && record.phase !== 'failed') return record;
  try {
    return wakeBuild(SWEEPER, 'schedule')(record, now) ?? record;
  } catch (error) {
    // Expired, unmanaged or being deleted: a manager's wake would be refused, so nothing is woken.
    if (error instanceof ConflictError) return record;
    throw error;
  }
}
