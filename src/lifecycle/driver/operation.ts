/**
 * The operation driver: the only code that calls a backend to change a worker, and only while holding the
 * worker's operation lease (`op`).
 *
 * Level-triggered: each round re-reads the record, compares `desired` and the template with what the backend was
 * last seen running, performs ONE idempotent backend step toward it, and merges what it observed with a conditional
 * write. The lease is released in the same write as the last observation, and only if nobody changed the intent
 * (`spec_generation`) meanwhile; otherwise it goes round again, so an intent recorded behind a live lease is never
 * lost. Work longer than the request (an image pull, an SAE change order, an ECS rollout) is started, not awaited:
 * the worker's readiness report or the sweeper observes its completion.
 *
 * @module
 */

import { BackendRejectedError, OrchestratorError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { StoredWorker, Tombstone, WorkerRecord } from '../model';
import { iso, isWorker, resetAttempts, retryBackoffMs, transition, transitionTime } from '../model';
import { releaseName } from '../teams';
import { DeadlineReached, LeaseLost, type Observation, RoundRunner, withDeadline } from './round';
import type { DriveOptions, DriveOutcome, DriveResult } from './types';

const MAX_ROUNDS = 6;

export class Driver {
  private readonly rounds: RoundRunner;

  constructor(private readonly ctx: LifecycleContext) {
    this.rounds = new RoundRunner(ctx);
  }

  async drive(name: string, leaseId: string, options: DriveOptions): Promise<DriveResult> {
    const { repo, clock } = this.ctx;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (clock.now() >= options.deadline) {
        // Out of time before doing anything this round: hand the lease back rather than sit on it until it expires,
        // so the next request (or the sweeper) can drive at once.
        if (round === 0) await this.releaseUntouched(name, leaseId);
        return { outcome: 'in_progress' };
      }
      const read = await repo.read(name);
      const record = read?.value;
      if (!isWorker(record) || record.op?.id !== leaseId) return { outcome: 'lost_lease' };
      let observation: Observation;
      const abort = new AbortController();
      try {
        observation = await withDeadline(
          this.ctx.clock,
          this.rounds.step(record, leaseId, options, abort.signal),
          options.deadline,
          abort,
        );
      } catch (error) {
        if (error instanceof DeadlineReached) return { outcome: 'in_progress' };
        const failure = await this.recordFailure(name, leaseId, record, error as Error);
        // The intent moved while this round failed: the failure belongs to an intent nobody wants any more.
        if (failure === 'again') continue;
        return failure;
      }
      const outcome = await this.observe(name, leaseId, record, observation);
      if (outcome !== 'again') return { outcome };
    }
    return { outcome: 'in_progress' };
  }

  /** Gives back a lease no round has used, leaving the intent for the next driver (it files a hint now). */
  private async releaseUntouched(name: string, leaseId: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.repo
      .mutate(name, (current) => {
        if (!isWorker(current) || current.op?.id !== leaseId) return undefined;
        const { op: _released, ...rest } = current;
        return { ...rest, next_check_at: iso(now) };
      })
      .catch(() => undefined);
  }

  /**
   * Merges an observation. Backend facts (ref, raw status) are recorded even when the intent moved on (an
   * observation for an older generation is still true), but only while this round still holds the lease on the
   * incarnation it acted for: a holder that stalled past its lease may find the worker re-created (another uid)
   * or driven by someone else, and its facts (the old incarnation's resource) would then be false. The phase
   * moves, and the lease is released, only if the intent is the one this round acted on.
   */
  private async observe(
    name: string,
    leaseId: string,
    acted: WorkerRecord,
    observation: Observation,
  ): Promise<DriveOutcome | 'again'> {
    const now = this.ctx.clock.now();
    const generation = acted.spec_generation;
    let outcome = 'again' as DriveOutcome | 'again';
    const result = await this.ctx.repo.mutate(name, (current) => {
      if (!isWorker(current) || current.uid !== acted.uid || current.op?.id !== leaseId) {
        outcome = 'lost_lease';
        return undefined;
      }
      let next: WorkerRecord = { ...current, observed_at: iso(now) };
      if (observation.status) {
        next.raw_status = observation.status.raw;
        next.backend_state = observation.status.state;
        if (observation.status.consoleHostPort && next.backend_ref) {
          next.backend_ref = { ...next.backend_ref, console_host_port: observation.status.consoleHostPort };
        }
      }
      if (observation.ref) next.backend_ref = observation.ref;
      if (observation.forgetResource && next.backend_ref) {
        next.backend_ref = { resource_name: next.backend_ref.resource_name };
      }
      if (observation.appliedTemplate !== undefined) {
        next.applied_template_generation = Math.max(
          next.applied_template_generation,
          observation.appliedTemplate,
        );
      }
      next.observed_generation = Math.max(next.observed_generation, generation);
      // The worker this round started may already have booted and reported ready (a fast container) before the
      // round recorded what it saw: that report confirmed this very boot, so the round neither begins another
      // boot nor moves the worker back to `starting` (its later reports would then belong to no boot).
      const alreadyReady =
        observation.bootSince !== undefined &&
        current.phase === 'ready' &&
        current.boot.instance_id !== undefined &&
        current.ready_at !== undefined &&
        Date.parse(current.ready_at) > observation.bootSince;
      if (observation.bootSince !== undefined && !alreadyReady) {
        // A boot that already bound an instance is over: this start is a new boot. One still waiting for its
        // first report (an intent just bumped it) keeps its epoch and only learns when its instance started.
        const epoch = current.boot.instance_id ? current.boot.epoch + 1 : current.boot.epoch;
        next.boot = { epoch, since: iso(observation.bootSince) };
      }
      const intentUnchanged = current.spec_generation === generation;
      if (intentUnchanged && !alreadyReady && observation.move?.from.includes(current.phase)) {
        if (observation.move.to !== current.phase) {
          next = transition(
            next,
            observation.move.to,
            { reason: observation.move.reason, actor: 'driver' },
            now,
          );
        }
      }
      if (intentUnchanged && current.desired === 'deleted' && observation.settled) {
        outcome = 'gone';
        return tombstoneOf(next, now);
      }
      if (intentUnchanged && observation.settled) {
        const { op: _released, ...rest } = resetAttempts(next);
        outcome = 'settled';
        return rest;
      }
      if (intentUnchanged && observation.recheckAfterMs !== undefined) {
        const { op: _released, ...rest } = next;
        outcome = 'in_progress';
        return { ...rest, next_check_at: iso(now + observation.recheckAfterMs) };
      }
      outcome = 'again';
      return next;
    });
    if (outcome === 'gone' && result.value?.kind === 'tombstone') await this.cleanUpAfterDelete(result.value);
    // A beat exists only while the worker is awake; the sweeper's beats/ listing relies on it.
    if (result.changed && isWorker(result.value) && result.value.phase === 'sleeping') {
      await this.ctx.repo.deleteBeat(name, result.value.uid).catch(() => undefined);
    }
    return outcome;
  }

  private async cleanUpAfterDelete(tombstone: Tombstone): Promise<void> {
    const { repo } = this.ctx;
    await Promise.allSettled([
      repo.deleteSecrets(tombstone.name, tombstone.uid),
      repo.deleteBeat(tombstone.name, tombstone.uid),
      ...(tombstone.team ? [releaseName(this.ctx, tombstone.team, tombstone.name, tombstone.uid)] : []),
    ]);
  }

  /**
   * A failed round: count the attempt and schedule the retry with backoff, or give up (`failed`) after the limit,
   * after `wedgedAfterSeconds` in one phase, or at once when the backend rejected the spec.
   */
  private async recordFailure(
    name: string,
    leaseId: string,
    record: WorkerRecord,
    error: Error,
  ): Promise<DriveResult | 'again'> {
    if (error instanceof LeaseLost) return { outcome: 'lost_lease' };
    const latest = (await this.ctx.repo.read(name))?.value;
    if (!isWorker(latest) || latest.op?.id !== leaseId) return { outcome: 'lost_lease' };
    if (latest.spec_generation !== record.spec_generation) return 'again';
    const now = this.ctx.clock.now();
    const rejected = error instanceof BackendRejectedError;
    // The error may go on to a caller (a create or update answers with it): it carries the values to mask.
    this.rounds.markSensitive(error);
    const message = this.rounds.redact(
      error instanceof OrchestratorError ? error.message : 'backend call failed',
    );
    if (!(error instanceof OrchestratorError)) {
      this.ctx.log.error('backend step failed', {
        worker: name,
        error: this.rounds.redact(String(error.message)),
      });
    }
    const givesUp = (current: WorkerRecord) =>
      current.desired !== 'deleted' &&
      (rejected ||
        current.attempts + 1 >= this.ctx.settings.maxAttempts ||
        now - Date.parse(current.phase_since) >= this.ctx.settings.wedgedAfterSeconds * 1000);
    if (givesUp(record) && record.backend_ref) {
      // A failed worker must not keep running (and costing) unobserved. Stopped while we still hold the lease
      // (checked again right before), so no other driver can be starting it at the same moment.
      await this.rounds
        .refOf(record)
        .then((ref) => this.rounds.underLease(record, leaseId, (backend) => backend.stop(ref)))
        .catch(() => undefined);
    }
    let failed = false;
    await this.ctx.repo
      .mutate(name, (current) => {
        if (!isWorker(current) || current.op?.id !== leaseId) return undefined;
        if (current.spec_generation !== record.spec_generation) return undefined;
        const attempts = current.attempts + 1;
        const wedged = now - Date.parse(current.phase_since) >= this.ctx.settings.wedgedAfterSeconds * 1000;
        const { op: _released, ...rest } = current;
        if (givesUp(current)) {
          failed = true;
          const { next_check_at: _n, ...base } = rest;
          return transition(
            // The stop above is best effort (and needs a recorded resource): the sweeper confirms it, by the
            // derived name, and repeats it until the backend shows nothing running.
            { ...base, attempts, last_error: message, stop_check_at: iso(now) },
            'failed',
            { reason: wedged && !rejected ? 'wedged' : 'backend_error', actor: 'driver', message },
            now,
          );
        }
        return { ...rest, attempts, last_error: message, next_check_at: iso(now + retryBackoffMs(attempts)) };
      })
      .catch(() => undefined);
    return {
      outcome: failed ? 'failed' : 'in_progress',
      error,
      changeMayHaveLanded: this.rounds.changeMayHaveLanded,
    };
  }
}

function tombstoneOf(record: WorkerRecord, now: number): Tombstone {
  return {
    kind: 'tombstone',
    deleted: true,
    name: record.name,
    uid: record.uid,
    ...(record.team ? { team: record.team } : {}),
    deleted_at: iso(now),
    last_transition: {
      at: iso(transitionTime(record.last_transition.at, now)),
      from: record.phase,
      to: 'deleted',
      reason: record.last_transition.reason,
      actor: 'driver',
    },
    event_seq: record.event_seq + 1,
    write_id: '',
  };
}

export const isTombstone = (value: StoredWorker | null | undefined): value is Tombstone =>
  value?.kind === 'tombstone';
