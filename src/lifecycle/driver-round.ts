/**
 * One round of the operation driver: the idempotent backend step toward `desired`, and what it needs (the key
 * to inject, the worker's full spec, a backend that refuses changes once the round's deadline has passed).
 * `driver.ts` runs the rounds and merges what each one observed.
 *
 * @module
 */

import type { BackendRef, BackendStatus, WorkerBackend } from '../backends/port';
import { markSensitive, redactSecrets } from '../redaction';
import { mintWorkerKey, sha256Hex } from './api-keys';
import type { Clock } from './clock';
import type { LifecycleContext } from './context';
import type { DriveOptions } from './driver';
import type { BackendRefRecord, Phase, Reason, WorkerRecord } from './record';
import { isWorker } from './record';
import { BOOT_SKEW_MS } from './settings';
import { buildWorkerSpec, INJECTED_ENV_NAMES, resourceNameOf } from './worker-spec';

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

export async function withDeadline<T>(clock: Clock, work: Promise<T>, deadline: number): Promise<T> {
  const remaining = deadline - clock.now();
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

/** Running instances exist and every one started before this boot was asked for (minus clock skew). */
function predatesBoot(status: BackendStatus, record: WorkerRecord): boolean {
  const since = Date.parse(record.boot.since) - BOOT_SKEW_MS;
  return status.instances.length > 0 && status.instances.every((instance) => instance.startedAt < since);
}

/** Runs rounds for one driver; it remembers the values it handed a backend, to keep them out of error text. */
export class RoundRunner {
  constructor(private readonly ctx: LifecycleContext) {}

  backendFor(record: WorkerRecord): WorkerBackend {
    return this.ctx.backends.get(record.spec.backend);
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

  async refOf(record: WorkerRecord): Promise<BackendRef> {
    const { deployment_id } = await this.ctx.deployment();
    return {
      resourceName: resourceNameOf(record, deployment_id),
      ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
    };
  }

  /** One idempotent backend step toward `desired`. */
  async step(record: WorkerRecord, leaseId: string, options: DriveOptions): Promise<Observation> {
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
