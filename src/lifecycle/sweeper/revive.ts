/**
 * Reviving a worker that should run but does not answer: a `ready` worker silent longer than
 * `unresponsiveAfterSeconds`, or one whose resource the inventory no longer shows (drift).
 *
 * Under the operation lease, the resource is looked up DIRECTLY (never decided from a listing): two `not_found`
 * answers make the worker `lost` (reason `drift`) and the Driver recreates it; a stopped resource is started; a
 * running but silent one is rolled (new boot, new key) like an update. A revive counts as an attempt while it is
 * driven, so a restart the backend refuses backs off (and ends `failed`) like any retry; a settled one clears it.
 * A worker that goes silent again is revived no sooner than `unresponsiveAfterSeconds` (15 min) later, which is
 * already the longest retry backoff, so a flapping worker is never restarted in a tight loop.
 *
 * @module
 */

import type { BackendStatus } from '../../backends/port';
import type { WorkerRecord } from '../model';
import { bumpBoot, isLeaseLive, iso, isWorker, transition } from '../model';
import { claim, driveUnder, refOf, releaseLease, stopThenRelease } from './actions';
import type { SweepRun } from './run';

export type ReviveCause = 'unresponsive' | 'drift';
export type ReviveOutcome = 'lost' | 'restarted' | 'failed' | 'present' | 'skipped';

/** Only a worker that runs on a known resource, with nobody driving it, can be revived. */
export const canRevive = (r: WorkerRecord, now: number): boolean =>
  r.desired === 'running' &&
  (r.phase === 'ready' || r.phase === 'starting') &&
  r.backend_ref?.id !== undefined &&
  !isLeaseLive(r, now);

/** The moment the record last showed life: readiness or the start of the current boot. */
export const lastSignOfLife = (r: WorkerRecord): number =>
  Math.max(Date.parse(r.ready_at ?? r.created_at), Date.parse(r.boot.since));

export async function revive(
  run: SweepRun,
  record: WorkerRecord,
  cause: ReviveCause,
): Promise<ReviveOutcome> {
  const { ctx } = run;
  const eligible = (current: WorkerRecord, now: number) =>
    canRevive(current, now) && (cause === 'drift' || current.phase === 'ready');
  const claimed = await claim(run, record, eligible, (current) => current, 'required');
  if (!claimed.leaseId) return 'skipped';
  const leaseId = claimed.leaseId;
  const current = claimed.before ?? record;
  try {
    const backend = ctx.backends.get(current.spec.backend);
    const ref = await refOf(run, current);
    let status: BackendStatus = await backend.status(ref);
    if (status.state === 'not_found') status = await backend.status(ref);
    if (status.state === 'not_found') {
      await restartUnderLease(run, current.name, leaseId, { to: 'lost', reason: 'drift', recreate: false });
      run.report.lost++;
      await driveUnder(run, current.name, leaseId);
      return 'lost';
    }
    const stopped = status.state === 'stopped' && status.instances.length === 0;
    if (cause === 'drift' && !stopped) {
      await releaseLease(run, current.name, leaseId);
      return 'present';
    }
    if (current.attempts + 1 >= ctx.settings.maxAttempts) {
      await failUnderLease(run, current, leaseId, cause);
      return 'failed';
    }
    // A stopped resource only needs starting; a running one that stays silent is hung and is rolled.
    await restartUnderLease(run, current.name, leaseId, {
      to: 'starting',
      reason: cause,
      recreate: !stopped,
    });
    run.report.restarted++;
    await ctx.repo.deleteBeat(current.name, current.uid).catch(() => undefined);
    await driveUnder(run, current.name, leaseId);
    return 'restarted';
  } catch (error) {
    run.fail('revive', record.name, error);
    await releaseLease(run, record.name, leaseId).catch(() => undefined);
    return 'skipped';
  }
}

/**
 * A new boot (readiness then accepts only an instance started after now), a new generation for the Driver and,
 * for a roll, a new template (the Driver mints a new key for it). Written only while this run holds the lease.
 */
async function restartUnderLease(
  run: SweepRun,
  name: string,
  leaseId: string,
  plan: { to: 'lost' | 'starting'; reason: ReviveCause; recreate: boolean },
): Promise<void> {
  const now = run.now();
  const silentFor = (r: WorkerRecord) => Math.round((now - lastSignOfLife(r)) / 1000);
  await run.ctx.repo.mutate(name, (current) => {
    if (!isWorker(current) || current.op?.id !== leaseId) throw new Error('the sweeper lost the lease');
    const message =
      plan.to === 'lost'
        ? 'the backend resource is gone'
        : `no heartbeat for ${silentFor(current)} s; restarting`;
    const next: WorkerRecord = bumpBoot(
      {
        ...current,
        spec_generation: current.spec_generation + 1,
        template_generation: current.template_generation + (plan.recreate ? 1 : 0),
        attempts: current.attempts + 1,
        last_error: message,
        ...(plan.to === 'lost' && current.backend_ref
          ? { backend_ref: { resource_name: current.backend_ref.resource_name } }
          : {}),
      },
      now,
    );
    return transition(next, plan.to, { reason: plan.reason, actor: 'sweeper', message }, now);
  });
}

async function failUnderLease(run: SweepRun, record: WorkerRecord, leaseId: string, cause: ReviveCause) {
  const now = run.now();
  const message = `${cause === 'drift' ? 'resource stopped' : 'unresponsive'} after ${record.attempts + 1} attempts`;
  await run.ctx.repo.mutate(record.name, (current) => {
    if (!isWorker(current) || current.op?.id !== leaseId) return undefined;
    const { next_check_at: _n, ...rest } = current;
    return transition(
      // A failed worker owes a confirmed stop: if this run dies before its own stop, a later run does it.
      {
        ...rest,
        attempts: current.attempts + 1,
        last_error: message,
        observed_at: iso(now),
        stop_check_at: iso(now),
      },
      'failed',
      { reason: cause, actor: 'sweeper', message },
      now,
    );
  });
  run.report.failed++;
  await stopThenRelease(run, record, leaseId);
}
