/**
 * One round of the operation driver: what every step needs (the key to inject, the worker's full spec, a backend
 * that refuses changes once the round's deadline has passed, lease checks); the step itself is one file per
 * intent under `steps/`. `operation.ts` runs the rounds and merges what each one observed.
 *
 * @module
 */

import type { BackendRef, WorkerBackend } from '../../backends/port';
import { provablyNotApplied } from '../../errors';
import type { LifecycleContext } from '../context';
import type { WorkerRecord } from '../model';
import {
  buildWorkerSpec,
  INJECTED_ENV_NAMES,
  isWorker,
  markSensitive,
  mintWorkerKey,
  redactSecrets,
  resourceNameOf,
  sha256Hex,
} from '../model';
import { DeadlineReached, LeaseLost } from './deadline';
import { deleteStep } from './steps/delete';
import { runStep } from './steps/run';
import { sleepStep } from './steps/sleep';
import type { DriveOptions, Observation, StepRunner } from './types';

export { DeadlineReached, LeaseLost, withDeadline } from './deadline';
export type { Observation } from './types';

/** A stored env value younger than this is never pruned (an update may still be writing its record). */
const SECRET_PRUNE_GRACE_MS = 10 * 60_000;

/** Runs rounds for one driver; it remembers the values it handed a backend, to keep them out of error text. */
export class RoundRunner implements StepRunner {
  /**
   * True once any change this driver asked of the backend may have been carried out: it succeeded, or failed in
   * a way that does not prove it was never sent. A create rolls back only while this is false.
   */
  changeMayHaveLanded = false;

  constructor(private readonly ctx: LifecycleContext) {}

  get clock() {
    return this.ctx.clock;
  }

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

  /** One idempotent backend step toward `desired`: one file per intent (steps/delete, steps/sleep, steps/run). */
  async step(
    record: WorkerRecord,
    leaseId: string,
    options: DriveOptions,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<Observation> {
    const backend = this.guarded(this.backendFor(record), options.deadline, signal);
    const ref = await this.refOf(record);
    if (record.desired === 'deleted') return deleteStep(backend, ref);
    if (record.desired === 'sleeping') return sleepStep(backend, ref, record);
    return runStep(this, backend, ref, record, leaseId, options);
  }

  /**
   * The key to inject. The caller's plaintext is used only while its hash is still the record's; otherwise (a
   * re-driven create, a recreate) a new key is minted and its hash written under our lease before use.
   */
  async keyFor(record: WorkerRecord, leaseId: string, options: DriveOptions, replacing: boolean) {
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
  async pruneSupersededSecrets(
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

  async specFor(record: WorkerRecord, workerKey: string) {
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
