/**
 * One round of the operation driver: the idempotent backend step toward `desired`, and what it needs (the key
 * to inject, the worker's full spec, a backend that refuses changes once the round's deadline has passed).
 * `driver.ts` runs the rounds and merges what each one observed.
 *
 * @module
 */

import type { BackendRef, BackendStatus, WorkerBackend } from '../../backends/port';
import { provablyNotApplied } from '../../errors';
import type { LifecycleContext } from '../context';
import type { BackendRefRecord, Clock, Phase, Reason, WorkerRecord } from '../model';
import {
  BOOT_SKEW_MS,
  buildWorkerSpec,
  INJECTED_ENV_NAMES,
  isWorker,
  markSensitive,
  mintWorkerKey,
  redactSecrets,
  resourceNameOf,
  sha256Hex,
} from '../model';
import type { DriveOptions } from './types';

/** What one round saw and did, merged into the record by `observe`. */
export interface Observation {
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

const ASYNC_RECHECK_MS = 10_000;
/** A stored env value younger than this is never pruned (an update may still be writing its record). */
const SECRET_PRUNE_GRACE_MS = 10 * 60_000;

/** The round's deadline passed: its caller has answered; the round must not act any more. */
export class DeadlineReached extends Error {}
/** The worker's operation lease is no longer ours. */
export class LeaseLost extends Error {}

/**
 * Races `work` against the deadline. When the deadline wins, `abort` (the round's controller) is aborted too, so
 * backend calls still in flight are cancelled rather than left to land after the caller has answered. The timer
 * is the clock's own where it has one (the simulator's virtual time), else a real one.
 */
export async function withDeadline<T>(
  clock: Clock,
  work: Promise<T>,
  deadline: number,
  abort?: AbortController,
): Promise<T> {
  const remaining = Math.max(0, deadline - clock.now());
  let cancel = () => {};
  const timeout = new Promise<never>((_, reject) => {
    const fire = () => {
      abort?.abort(new DeadlineReached());
      reject(new DeadlineReached());
    };
    if (clock.setTimer) cancel = clock.setTimer(fire, remaining);
    else {
      const timer = setTimeout(fire, remaining);
      cancel = () => clearTimeout(timer);
    }
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    cancel();
  }
}

const refRecord = (ref: BackendRef, consoleHostPort?: number): BackendRefRecord => ({
  resource_name: ref.resourceName,
  ...(ref.id ? { id: ref.id } : {}),
  ...(consoleHostPort ? { console_host_port: consoleHostPort } : {}),
});

/** Running instances exist and every one started before this boot was asked for (minus clock skew). */
function predatesBoot(status: BackendStatus, record: WorkerRecord): boolean {
  const since = Date.parse(record.boot.since) - BOOT_SKEW_MS;
  return status.instances.length > 0 && status.instances.every((instance) => instance.startedAt < since);
}

/** Runs rounds for one driver; it remembers the values it handed a backend, to keep them out of error text. */
export class RoundRunner {
  /**
   * True once any change this driver asked of the backend may have been carried out: it succeeded, or failed in
   * a way that does not prove it was never sent. A create rolls back only while this is false.
   */
  changeMayHaveLanded = false;

  constructor(private readonly ctx: LifecycleContext) {}

  backendFor(record: WorkerRecord): WorkerBackend {
    return this.ctx.backends.get(record.spec.backend);
  }

  /**
   * The backend as one round may use it: once the round's deadline has passed, its caller has answered and may
   * have been frozen (Lambda, FC) or overtaken by the next driver, so no further change is sent, and the round's
   * signal (aborted at the deadline) cancels calls still in flight where the adapter can.
   */
  private guarded(backend: WorkerBackend, deadline: number, signal: AbortSignal): WorkerBackend {
    const clock = this.ctx.clock;
    /** Runs a change only while the round is still within its deadline, and notes whether it may have landed. */
    const unlessLate = async <T>(change: () => Promise<T>): Promise<T> => {
      if (clock.now() > deadline || signal.aborted) throw new DeadlineReached();
      return this.tracked(change);
    };
    return {
      ...backend,
      name: backend.name,
      deploymentMode: backend.deploymentMode,
      capabilities: backend.capabilities,
      status: (ref) => backend.status(ref, signal),
      list: (options) => backend.list(options),
      health: () => backend.health(),
      create: (spec) => unlessLate(() => backend.create(spec, signal)),
      update: (ref, spec) => unlessLate(() => backend.update(ref, spec, signal)),
      start: (ref) => unlessLate(() => backend.start(ref, signal)),
      stop: (ref) => unlessLate(() => backend.stop(ref, signal)),
      delete: (ref) => unlessLate(() => backend.delete(ref, signal)),
    };
  }

  private async tracked<T>(change: () => Promise<T>): Promise<T> {
    try {
      const result = await change();
      this.changeMayHaveLanded = true;
      return result;
    } catch (error) {
      if (!provablyNotApplied(error)) this.changeMayHaveLanded = true;
      throw error;
    }
  }

  /**
   * Re-reads the record and throws `LeaseLost` unless this driver still holds a live lease on the same
   * incarnation. Called right before every change that is not bounded by the round's deadline (the start that
   * completes an update or a restart, the stop of a worker being failed) and before pruning secrets: a round
   * frozen past its lease and resumed must find out here, before it starts a worker someone else slept or drops
   * a value someone else's spec names.
   */
  async assertLease(record: WorkerRecord, leaseId: string): Promise<void> {
    const current = (await this.ctx.repo.read(record.name))?.value;
    const live =
      isWorker(current) &&
      current.uid === record.uid &&
      current.op?.id === leaseId &&
      Date.parse(current.op.expires_at) > this.ctx.clock.now();
    if (!live) throw new LeaseLost();
  }

  /** A change that must follow another even past the round's deadline, sent only while the lease is still ours. */
  async underLease(record: WorkerRecord, leaseId: string, change: (backend: WorkerBackend) => Promise<void>) {
    await this.assertLease(record, leaseId);
    await this.tracked(() => change(this.backendFor(record)));
  }

  async refOf(record: WorkerRecord): Promise<BackendRef> {
    const { deployment_id } = await this.ctx.deployment();
    return {
      resourceName: resourceNameOf(record, deployment_id),
      ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
    };
  }

  /** One idempotent backend step toward `desired`. */
  async step(
    record: WorkerRecord,
    leaseId: string,
    options: DriveOptions,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<Observation> {
    const backend = this.guarded(this.backendFor(record), options.deadline, signal);
    const ref = await this.refOf(record);
    if (record.desired === 'deleted') {
      await backend.delete(ref);
      const status = await backend.status(ref);
      return status.state === 'not_found'
        ? { status, settled: true, forgetResource: true }
        : { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
    }
    if (record.desired === 'sleeping') {
      // Keep the reason of the sleep (idle, ttl_blocked, manual) on the transition that completes it.
      const asleep = {
        settled: true,
        move: {
          from: ['stopping', 'pending'] as Phase[],
          to: 'sleeping' as Phase,
          reason: record.last_transition.reason,
        },
      };
      // An unmanaged worker's resource is not ours to touch.
      if (record.unmanaged) return asleep;
      let adopted: BackendRefRecord | undefined;
      if (!record.backend_ref) {
        // No resource recorded, but a holder that died after sending its create (before recording what it made)
        // may have left one, running, under the derived name: look it up before calling the worker asleep. A
        // worker created asleep has none, and settles here.
        const found = await backend.status(ref);
        // Nothing under the name may still leave something running beside it (Docker's `<name>-next`, left by an
        // update killed after it removed the old container): the stop below reaches that too.
        if (found.state === 'not_found' && found.instances.length === 0) return asleep;
        adopted = refRecord(found.ref ?? ref, found.consoleHostPort);
      }
      const learnt = adopted ? { ref: adopted } : {};
      if (record.sleep_removes_resource)
        return { ...(await this.removeWhileAsleep(backend, ref, record)), ...learnt };
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
            ...learnt,
            settled: true,
            move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
          }
        : { status, ...learnt, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
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
      await this.pruneSupersededSecrets(key.record, leaseId, spec.env);
      // Some backends apply a new template to a stopped resource without starting it (SAE, ECS keep the run
      // state); the worker is wanted running, so start it.
      // Part of the same change as the update, so not subject to the round's deadline, but to the lease.
      if ((await backend.status(created.ref)).state === 'stopped')
        await this.underLease(record, leaseId, (b) => b.start(created.ref));
      return {
        ref: refRecord(created.ref, created.consoleHostPort),
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
      // One change: once the stop is sent, the start that completes it must follow even past the deadline, but
      // only while the lease is ours (a holder that took over may have slept the worker meanwhile).
      await backend.stop(ref);
      await this.underLease(record, leaseId, (b) => b.start(ref));
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

  /** A sleep that removes the resource: like a delete, but the record stays and a wake creates a new one. */
  private async removeWhileAsleep(
    backend: WorkerBackend,
    ref: BackendRef,
    record: WorkerRecord,
  ): Promise<Observation> {
    await backend.delete(ref);
    const status = await backend.status(ref);
    if (status.state !== 'not_found') return { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
    return {
      status,
      settled: true,
      forgetResource: true,
      move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
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
   * the last few minutes stay: they may belong to an update whose record write has not landed yet. Only under a
   * live lease (checked first), and the grace is measured from that check: a round that is frozen after it and
   * resumed later keeps every value added meanwhile, which the current spec may name.
   */
  private async pruneSupersededSecrets(
    record: WorkerRecord,
    leaseId: string,
    env: Record<string, string>,
  ): Promise<void> {
    const inUse = Object.fromEntries(
      Object.entries(env).filter(([name]) => !(INJECTED_ENV_NAMES as readonly string[]).includes(name)),
    );
    try {
      await this.assertLease(record, leaseId);
    } catch {
      return;
    }
    const addedBefore = this.ctx.clock.now() - SECRET_PRUNE_GRACE_MS;
    await this.ctx.repo.pruneSecrets(record.name, record.uid, inUse, addedBefore).catch(() => undefined);
  }

  /** Env values and keys this driver handed a backend: never echoed back through an error message. */
  private readonly sensitive = new Set<string>();

  redact(message: string): string {
    return redactSecrets(message, this.sensitive);
  }

  /** Marks an error with those values, so whatever answers with it masks them too. */
  markSensitive(error: unknown): void {
    markSensitive(error, this.sensitive);
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
}
