/**
 * The sweeper's actions on one worker. Each is ONE conditional write that re-checks its condition on the record
 * stored at that moment and takes the operation lease in the same write; only then is the backend called, through
 * the Driver (or, to stop a wedged worker, directly under that lease). A wake, an activity or a PATCH that landed
 * after the sweeper decided therefore wins: the re-check fails and nothing is written.
 *
 * @module
 */

import type { BackendRef, BackendStatus } from '../../backends/port';
import { Driver } from '../driver';
import type { Beat, Phase, WorkerRecord } from '../model';
import {
  isAwake,
  isLeaseLive,
  iso,
  isWorker,
  resourceNameOf,
  retryBackoffMs,
  SWEEPER,
  takeLeaseIfFree,
  transition,
} from '../model';
import { deleteBuild, sleepBuild } from '../requests';
import { isIdle, isWedged, needsDriving, owesStop, shouldDelete, shouldSleepForTtl } from './policies';
import type { SweepRun } from './run';
import { MIN_HINT_BACKOFF_MS } from './settings';

type Check = (current: WorkerRecord, now: number) => boolean;
type Build = (current: WorkerRecord, now: number) => WorkerRecord | undefined;

export interface Claim {
  /** Set when this write made the sweeper the worker's driver. */
  leaseId?: string;
  /** The record as it was just before the write (what the re-check saw). */
  before?: WorkerRecord;
  /** True when the intent was written (with or without the lease). */
  written: boolean;
}

/**
 * The conditional write every action starts with. `lease: 'required'` writes nothing unless the lease is free;
 * `lease: 'if_free'` records the intent either way (a live holder picks it up before releasing).
 */
export async function claim(
  run: SweepRun,
  record: WorkerRecord,
  check: Check,
  build: Build,
  lease: 'required' | 'if_free',
): Promise<Claim> {
  const { ctx } = run;
  const now = run.now();
  let leaseId: string | undefined;
  let before: WorkerRecord | undefined;
  const result = await ctx.repo.mutate(record.name, (current) => {
    leaseId = undefined;
    before = undefined;
    if (!isWorker(current) || current.uid !== record.uid || !check(current, now)) return undefined;
    const built = build(current, now);
    if (!built) return undefined;
    const taken = takeLeaseIfFree(built, ctx.owner, now, ctx.settings);
    if (lease === 'required' && !taken.leaseId) return undefined;
    leaseId = taken.leaseId;
    before = current;
    return taken.record;
  });
  return { ...(leaseId ? { leaseId } : {}), ...(before ? { before } : {}), written: result.changed };
}

/** Drives under a lease this run holds; a failure is recorded on the worker by the Driver (backoff or failed). */
export async function driveUnder(run: SweepRun, name: string, leaseId: string): Promise<void> {
  const now = run.now();
  const result = await new Driver(run.ctx).drive(name, leaseId, {
    deadline: Math.min(now + run.ctx.settings.requestDriveBudgetMs, run.deadline + DRIVE_OVERRUN_MS),
    actor: 'sweeper',
  });
  if (result.outcome === 'failed') run.report.failed++;
  if (result.error) run.fail('drive', name, result.error);
}

/** A drive started just before the deadline may finish this far past it; the sweeper lease covers it. */
const DRIVE_OVERRUN_MS = 10_000;

/** Drops the lease this run holds, in a write conditional on still holding it. */
export async function releaseLease(run: SweepRun, name: string, leaseId: string): Promise<void> {
  await run.ctx.repo.mutate(name, (current) => {
    if (!isWorker(current) || current.op?.id !== leaseId) return undefined;
    const { op: _released, ...rest } = current;
    return rest;
  });
}

export async function refOf(run: SweepRun, record: WorkerRecord): Promise<BackendRef> {
  const { deployment_id } = await run.ctx.deployment();
  return {
    resourceName: resourceNameOf(record, deployment_id),
    ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
  };
}

/** Past `expires_at`: delete with reason `ttl`. Recorded even behind a live lease; its holder carries it out. */
export async function expireWorker(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const claimed = await claim(run, record, shouldDelete, deleteBuild(SWEEPER, 'ttl'), 'if_free');
  if (!claimed.written) return false;
  run.report.deleted++;
  if (claimed.leaseId) await driveUnder(run, record.name, claimed.leaseId);
  return true;
}

/** Past `expires_at` but protected: sleep instead, with a `ttl_blocked` transition (and so event). */
export async function sleepProtected(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const claimed = await claim(run, record, shouldSleepForTtl, sleepBuild(SWEEPER, 'ttl_blocked'), 'if_free');
  if (!claimed.written) return false;
  run.report.slept++;
  if (claimed.leaseId) await driveUnder(run, record.name, claimed.leaseId);
  return true;
}

export async function redrive(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const claimed = await claim(run, record, needsDriving, (current) => current, 'required');
  if (!claimed.leaseId) return false;
  run.report.redriven++;
  await driveUnder(run, record.name, claimed.leaseId);
  return true;
}

/** A failed worker never gets re-driven, so a lease its last driver left behind is simply dropped. */
export async function dropStaleLease(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const result = await run.ctx.repo.mutate(record.name, (current) => {
    if (!isWorker(current) || current.phase !== 'failed' || !current.op || isLeaseLive(current, run.now())) {
      return undefined;
    }
    const { op: _stale, ...rest } = current;
    return rest;
  });
  return result.changed;
}

/** Too long in one transitional phase: `failed` (reason `wedged`), and its resource stopped under the lease. */
export async function failWedged(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const minutes = Math.round(run.ctx.settings.wedgedAfterSeconds / 60);
  const claimed = await claim(
    run,
    record,
    (current, now) => isWedged(current, now, run.ctx.settings),
    (current, now) => {
      const message = `stuck in ${current.phase} for more than ${minutes} min`;
      const { next_check_at: _n, ...rest } = current;
      return transition(
        // Owed until the backend shows it stopped: if this run's stop is lost, the sweeper comes back for it.
        { ...rest, last_error: message, stop_check_at: iso(now) },
        'failed',
        { reason: 'wedged', actor: 'sweeper', message },
        now,
      );
    },
    'required',
  );
  if (!claimed.leaseId) return false;
  run.report.failed++;
  await stopThenRelease(run, claimed.before ?? record, claimed.leaseId);
  return true;
}

/** A failed worker whose stop is not yet confirmed: take the lease, stop it, and confirm. */
export async function stopFailed(run: SweepRun, record: WorkerRecord): Promise<boolean> {
  const claimed = await claim(run, record, owesStop, (current) => current, 'required');
  if (!claimed.leaseId) return false;
  await stopThenRelease(run, claimed.before ?? record, claimed.leaseId);
  return true;
}

/**
 * A failed worker must not keep running (and costing) unobserved. Looked up by the derived name (a create whose
 * answer was lost left no `backend_ref`, yet may have made the resource), stopped if anything runs, and looked up
 * again; the release of the lease clears `stop_check_at` only when nothing runs any more, and otherwise moves it
 * by the worker's backoff, so a stop that was lost or refused is tried again until it holds. The stop is sent
 * only while the lease is still ours: a wake that took over after it expired must not be stopped.
 */
export async function stopThenRelease(run: SweepRun, record: WorkerRecord, leaseId: string): Promise<void> {
  let stopped = false;
  try {
    if (record.unmanaged) stopped = true;
    else {
      const backend = run.ctx.backends.get(record.spec.backend);
      const ref = await refOf(run, record);
      let status = await backend.status(ref);
      if (runs(status)) {
        if (!(await holdsLease(run, record.name, leaseId))) return;
        await backend.stop(status.ref ?? ref);
        status = await backend.status(ref);
      }
      stopped = !runs(status);
    }
  } catch (error) {
    run.fail('stop', record.name, error);
  } finally {
    await run.ctx.repo
      .mutate(record.name, (current) => {
        if (!isWorker(current) || current.op?.id !== leaseId) return undefined;
        const { op: _released, stop_check_at: _owed, ...rest } = current;
        if (stopped || current.phase !== 'failed') return rest;
        const backoff = Math.max(MIN_HINT_BACKOFF_MS, retryBackoffMs(current.attempts));
        return { ...rest, stop_check_at: iso(run.now() + backoff) };
      })
      .catch((error) => run.fail('stop', record.name, error));
  }
}

const runs = (status: BackendStatus): boolean =>
  status.instances.length > 0 || status.state === 'running' || status.state === 'starting';

async function holdsLease(run: SweepRun, name: string, leaseId: string): Promise<boolean> {
  const current = (await run.ctx.repo.read(name))?.value;
  return isWorker(current) && current.op?.id === leaseId && isLeaseLive(current, run.now());
}

/**
 * Idle past its timeout: sleep with reason `idle`. The beat is read only now (the record alone said idle), and
 * read again after the sleep was written: a heartbeat that read the record before our write may have reported
 * `busy` after our first read, and busy work wins, so the sleep is withdrawn before any backend call.
 */
export async function sleepIdle(
  run: SweepRun,
  record: WorkerRecord,
): Promise<{ acted: boolean; beat: Beat | null }> {
  const { repo, settings } = run.ctx;
  const beat = await repo.readBeat(record.name);
  if (!isIdle(record, beat, run.now(), settings)) return { acted: false, beat };
  const claimed = await claim(
    run,
    record,
    (current, now) =>
      current.desired === 'running' && isAwake(current) && isIdle(current, beat, now, settings),
    sleepBuild(SWEEPER, 'idle'),
    'required',
  );
  if (!claimed.leaseId || !claimed.before) return { acted: false, beat };
  const after = await repo.readBeat(record.name);
  if (!isIdle(claimed.before, after, run.now(), settings)) {
    const withdrawn = await withdrawSleep(run, claimed.before, claimed.leaseId);
    if (withdrawn) return { acted: true, beat: after };
  }
  run.report.slept++;
  await driveUnder(run, record.name, claimed.leaseId);
  return { acted: true, beat: after };
}

/**
 * Undoes a sleep that no backend call has acted on yet: back to the phase it had, awake, lease released. The
 * instance was never touched, so its boot and readiness stay valid and `phase_since` keeps its old value; a
 * scheduled sleep's occurrence stays owed (`schedule_from` as it was), to be carried out once the busy beat ends.
 */
export async function withdrawSleep(run: SweepRun, before: WorkerRecord, leaseId: string): Promise<boolean> {
  const result = await run.ctx.repo.mutate(before.name, (current) => {
    // Someone else changed the intent behind our lease (a wake, a delete): drive that instead.
    if (
      !isWorker(current) ||
      current.op?.id !== leaseId ||
      current.spec_generation !== before.spec_generation + 1
    ) {
      return undefined;
    }
    const generation = current.spec_generation + 1;
    const { op: _released, ...rest } = current;
    const back = transition(
      { ...rest, desired: 'running', spec_generation: generation, observed_generation: generation },
      before.phase as Phase,
      { reason: 'ready', actor: 'sweeper', message: 'sleep withdrawn: the worker reported busy' },
      run.now(),
    );
    const { schedule_from: _moved, ...restored } = { ...back, phase_since: before.phase_since };
    return before.schedule_from === undefined
      ? restored
      : { ...restored, schedule_from: before.schedule_from };
  });
  return result.changed;
}
