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

import type { BackendRef, BackendStatus, WorkerBackend } from '../backends/port';
import { BackendRejectedError, OrchestratorError } from '../errors';
import { mintWorkerKey, redactKeys, sha256Hex } from './api-keys';
import type { LifecycleContext } from './context';
import type { BackendRefRecord, Phase, Reason, StoredWorker, Tombstone, WorkerRecord } from './record';
import { iso, isWorker } from './record';
import { BOOT_SKEW_MS, retryBackoffMs } from './settings';
import { releaseName } from './teams';
import { resetAttempts, transition } from './transitions';
import { buildWorkerSpec, INJECTED_ENV_NAMES, resourceNameOf } from './worker-spec';

export type DriveOutcome =
  /** The backend reached what was asked; the lease is released. */
  | 'settled'
  /** Work continues beyond this call (async backend, budget spent, retry scheduled); someone will look again. */
  | 'in_progress'
  /** Another function holds the lease now (ours expired, or the worker was re-created). */
  | 'lost_lease'
  | 'failed'
  /** The worker was deleted and its resource is gone. */
  | 'gone';

export interface DriveOptions {
  /** Plaintext key minted by the calling operation; used only while its hash is still the record's. */
  plaintextKey?: string;
  /** Epoch ms after which the driver stops starting new rounds and answers `in_progress`. */
  deadline: number;
  actor: string;
}

export interface DriveResult {
  outcome: DriveOutcome;
  error?: OrchestratorError | Error;
}

/** What one round saw and did, merged into the record by `observe`. */
interface Observation {
  ref?: BackendRefRecord;
  status?: BackendStatus;
  appliedTemplate?: number;
  /** Phase change, applied only if the record is still in one of `from` and the intent did not move. */
  move?: { from: Phase[]; to: Phase; reason: Reason };
  /** True when this round reached the goal for the generation it read. */
  settled: boolean;
  /** Not settled and nothing more to do now: look again after this long (async backends). */
  recheckAfterMs?: number;
  forgetResource?: boolean;
  /**
   * The driver itself started an instance (a start, a create, a recreate, a restart): a new boot that began at
   * this time. Readiness then waits for a report from that instance, whatever the phase was.
   */
  bootSince?: number;
}

const MAX_ROUNDS = 6;
const ASYNC_RECHECK_MS = 10_000;
/** A stored env value younger than this is never pruned (an update may still be writing its record). */
const SECRET_PRUNE_GRACE_MS = 10 * 60_000;

class DeadlineReached extends Error {}

export class Driver {
  constructor(private readonly ctx: LifecycleContext) {}

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
      try {
        observation = await this.withDeadline(this.step(record, leaseId, options), options.deadline);
      } catch (error) {
        if (error instanceof DeadlineReached) return { outcome: 'in_progress' };
        const failure = await this.recordFailure(name, leaseId, record, error as Error);
        // The intent moved while this round failed: the failure belongs to an intent nobody wants any more.
        if (failure === 'again') continue;
        return failure;
      }
      const outcome = await this.observe(name, leaseId, record.spec_generation, observation);
      if (outcome !== 'again') return { outcome };
    }
    return { outcome: 'in_progress' };
  }

  private async withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    const remaining = deadline - this.ctx.clock.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineReached()), Math.max(0, remaining));
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private backendFor(record: WorkerRecord): WorkerBackend {
    return this.ctx.backends.get(record.spec.backend);
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
   * The backend as one round may use it: once the round's deadline has passed, its caller has answered and may
   * have been frozen (Lambda, FC) or overtaken by the next driver, so no further change is sent. A call already in
   * flight finishes (every adapter bounds its calls well inside the lease), but the round starts no new one.
   */
  private guarded(backend: WorkerBackend, deadline: number): WorkerBackend {
    const clock = this.ctx.clock;
    /** Runs a change only while the round is still within its deadline. */
    const unlessLate = <T>(change: () => Promise<T>): Promise<T> =>
      clock.now() > deadline ? Promise.reject(new DeadlineReached()) : change();
    return {
      ...backend,
      name: backend.name,
      deploymentMode: backend.deploymentMode,
      capabilities: backend.capabilities,
      status: (ref) => backend.status(ref),
      list: (options) => backend.list(options),
      health: () => backend.health(),
      create: (spec) => unlessLate(() => backend.create(spec)),
      update: (ref, spec) => unlessLate(() => backend.update(ref, spec)),
      start: (ref) => unlessLate(() => backend.start(ref)),
      stop: (ref) => unlessLate(() => backend.stop(ref)),
      delete: (ref) => unlessLate(() => backend.delete(ref)),
    };
  }

  private async refOf(record: WorkerRecord): Promise<BackendRef> {
    const { deployment_id } = await this.ctx.deployment();
    return {
      resourceName: resourceNameOf(record, deployment_id),
      ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
    };
  }

  /** One idempotent backend step toward `desired`. */
  private async step(record: WorkerRecord, leaseId: string, options: DriveOptions): Promise<Observation> {
    const backend = this.guarded(this.backendFor(record), options.deadline);
    const ref = await this.refOf(record);
    if (record.desired === 'deleted') {
      await backend.delete(ref);
      const status = await backend.status(ref);
      return status.state === 'not_found'
        ? { status, settled: true, forgetResource: true }
        : { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
    }
    if (record.desired === 'sleeping') {
      if (!record.backend_ref) {
        // Keep the reason of the sleep (idle, ttl_blocked, manual) on the transition that completes it.
        return {
          settled: true,
          move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
        };
      }
      let status = await backend.status(ref);
      if (status.instances.length > 0 || status.state === 'running' || status.state === 'starting') {
        await backend.stop(ref);
        status = await backend.status(ref);
      }
      const stopped =
        status.instances.length === 0 && status.state !== 'running' && status.state !== 'starting';
      return stopped
        ? {
            status,
            settled: true,
            move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
          }
        : { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
    }
    // desired === 'running'
    const needsResource = !record.backend_ref?.id || record.phase === 'lost';
    const needsTemplate = record.applied_template_generation < record.template_generation;
    if (needsResource || needsTemplate) {
      const existing = await backend.status(ref);
      const key = await this.keyFor(
        record,
        leaseId,
        options,
        !needsResource || existing.state !== 'not_found',
      );
      const spec = await this.specFor(key.record, key.plaintext);
      const bootSince = this.ctx.clock.now();
      // A resource that exists but was made with another key (or an older template) is recreated, never adopted
      // as is: its environment would carry a key whose hash is no longer the record's.
      const created =
        existing.state === 'not_found'
          ? await backend.create(spec)
          : await backend.update(existing.ref ?? ref, spec);
      await this.pruneSupersededSecrets(key.record, spec.env);
      // Some backends apply a new template to a stopped resource without starting it (SAE, ECS keep the run
      // state); the worker is wanted running, so start it.
      // Part of the same change as the update, so not subject to the round's deadline.
      if ((await backend.status(created.ref)).state === 'stopped')
        await this.backendFor(record).start(created.ref);
      return {
        ref: {
          resource_name: created.ref.resourceName,
          ...(created.ref.id ? { id: created.ref.id } : {}),
          ...(created.consoleHostPort ? { console_host_port: created.consoleHostPort } : {}),
        },
        appliedTemplate: key.record.template_generation,
        settled: true,
        bootSince,
        move: {
          from: ['pending', 'lost', 'updating', 'starting', 'ready'],
          to: 'starting',
          reason: record.last_transition.reason,
        },
      };
    }
    let status = await backend.status(ref);
    if (status.state === 'not_found') {
      // `lost` needs two direct lookups that both say not-found; a listing never decides it.
      status = await backend.status(ref);
      if (status.state === 'not_found') {
        return {
          status,
          settled: false,
          forgetResource: true,
          move: { from: [record.phase], to: 'lost', reason: 'drift' },
        };
      }
    }
    let bootSince: number | undefined;
    if (status.state === 'stopped') {
      bootSince = this.ctx.clock.now();
      await backend.start(ref);
      status = await backend.status(ref);
    } else if (record.phase === 'starting' && predatesBoot(status, record)) {
      // A wake that overtook a sleep before its stop reached the backend: the instance still running belongs to
      // the previous boot (and may be shutting down). Restart it so this boot has an instance of its own.
      bootSince = this.ctx.clock.now();
      // One change: once the stop is sent, the start that completes it must follow even past the deadline.
      await backend.stop(ref);
      await this.backendFor(record).start(ref);
      status = await backend.status(ref);
    }
    return {
      status,
      settled: true,
      ...(bootSince !== undefined ? { bootSince } : {}),
      move: {
        from: bootSince !== undefined ? ['failed', 'lost', 'ready', 'starting'] : ['failed', 'lost'],
        to: 'starting',
        reason: record.last_transition.reason === 'ready' ? 'manual' : record.last_transition.reason,
      },
    };
  }

  /**
   * The key to inject. The caller's plaintext is used only while its hash is still the record's; otherwise (a
   * re-driven create, a recreate) a new key is minted and its hash written under our lease before use.
   */
  private async keyFor(record: WorkerRecord, leaseId: string, options: DriveOptions, replacing: boolean) {
    if (options.plaintextKey && (await sha256Hex(options.plaintextKey)) === record.key_hash) {
      return { plaintext: options.plaintextKey, record };
    }
    const plaintext = mintWorkerKey(record.name, this.ctx.settings.keyPrefix);
    const hash = await sha256Hex(plaintext);
    const written = await this.ctx.repo.mutate(record.name, (current) => {
      if (!isWorker(current) || current.op?.id !== leaseId) {
        throw new LeaseLost();
      }
      return {
        ...current,
        key_hash: hash,
        boot: replacing ? { ...current.boot, instance_id: undefined } : current.boot,
      };
    });
    options.plaintextKey = plaintext;
    return { plaintext, record: written.value as WorkerRecord };
  }

  /**
   * Once a template is running, values it replaced (a rotated token) are dropped from `secrets/`. Values added in
   * the last few minutes stay: they may belong to an update whose record write has not landed yet.
   */
  private async pruneSupersededSecrets(record: WorkerRecord, env: Record<string, string>): Promise<void> {
    const inUse = Object.fromEntries(
      Object.entries(env).filter(([name]) => !(INJECTED_ENV_NAMES as readonly string[]).includes(name)),
    );
    await this.ctx.repo
      .pruneSecrets(record.name, record.uid, inUse, this.ctx.clock.now() - SECRET_PRUNE_GRACE_MS)
      .catch(() => undefined);
  }

  /** Env values and keys this driver handed a backend: never echoed back through an error message. */
  private readonly sensitive = new Set<string>();

  private redact(message: string): string {
    let safe = redactKeys(message);
    // Short values (a "1", a "true") would shred any message and reveal little; longer ones are masked.
    for (const value of this.sensitive) if (value.length >= 6) safe = safe.split(value).join('[redacted]');
    return safe;
  }

  private async specFor(record: WorkerRecord, workerKey: string) {
    const [{ deployment_id }, hmacKey, secretCandidates] = await Promise.all([
      this.ctx.deployment(),
      this.ctx.hmacKey(),
      this.ctx.repo.readSecretCandidates(record.name, record.uid),
    ]);
    this.sensitive.add(workerKey);
    for (const candidates of Object.values(secretCandidates))
      for (const value of candidates) this.sensitive.add(value);
    return buildWorkerSpec({
      record,
      workerKey,
      secretCandidates,
      hmacKey,
      deploymentId: deployment_id,
      orchestratorUrl: this.ctx.settings.orchestratorUrl,
    });
  }

  /**
   * Merges an observation. Backend facts (ref, raw status) are always recorded, even when the intent moved on
   * (an observation for an older generation is still true). The phase moves, and the lease is released, only if
   * the intent is the one this round acted on.
   */
  private async observe(
    name: string,
    leaseId: string,
    generation: number,
    observation: Observation,
  ): Promise<DriveOutcome | 'again'> {
    const now = this.ctx.clock.now();
    let outcome = 'again' as DriveOutcome | 'again';
    const result = await this.ctx.repo.mutate(name, (current) => {
      if (!isWorker(current)) {
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
      if (observation.bootSince !== undefined && current.op?.id === leaseId) {
        // A boot that already bound an instance is over: this start is a new boot. One still waiting for its
        // first report (an intent just bumped it) keeps its epoch and only learns when its instance started.
        const epoch = current.boot.instance_id ? current.boot.epoch + 1 : current.boot.epoch;
        next.boot = { epoch, since: iso(observation.bootSince) };
      }
      const intentUnchanged = current.spec_generation === generation;
      if (current.op?.id !== leaseId) {
        outcome = 'lost_lease';
        return next;
      }
      if (intentUnchanged && observation.move?.from.includes(current.phase)) {
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
    // A beat exists only while the worker is awake (DESIGN §4); the sweeper's beats/ listing relies on it.
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
    const message = this.redact(error instanceof OrchestratorError ? error.message : 'backend call failed');
    if (!(error instanceof OrchestratorError)) {
      this.ctx.log.error('backend step failed', { worker: name, error: String(error.message) });
    }
    const givesUp = (current: WorkerRecord) =>
      current.desired !== 'deleted' &&
      (rejected ||
        current.attempts + 1 >= this.ctx.settings.maxAttempts ||
        now - Date.parse(current.phase_since) >= this.ctx.settings.wedgedAfterSeconds * 1000);
    if (givesUp(record) && record.backend_ref) {
      // A failed worker must not keep running (and costing) unobserved. Stopped while we still hold the lease,
      // so no other driver can be starting it at the same moment.
      await this.refOf(record)
        .then((ref) => this.backendFor(record).stop(ref))
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
            { ...base, attempts, last_error: message },
            'failed',
            { reason: wedged && !rejected ? 'wedged' : 'backend_error', actor: 'driver', message },
            now,
          );
        }
        return { ...rest, attempts, last_error: message, next_check_at: iso(now + retryBackoffMs(attempts)) };
      })
      .catch(() => undefined);
    return { outcome: failed ? 'failed' : 'in_progress', error };
  }
}

class LeaseLost extends Error {}

/** Running instances exist and every one started before this boot was asked for (minus clock skew). */
function predatesBoot(status: BackendStatus, record: WorkerRecord): boolean {
  const since = Date.parse(record.boot.since) - BOOT_SKEW_MS;
  return status.instances.length > 0 && status.instances.every((instance) => instance.startedAt < since);
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
      at: iso(now),
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
