import { BackendError, BackendRejectedError, BackendUnavailableError, NotFoundError } from '../errors';
import type {
  BackendRef,
  BackendStatus,
  CreatedResource,
  InventoryPage,
  WorkerBackend,
  WorkerSpec,
} from './port';

/** An aborted call did nothing, so it says so: a create may then be rolled back. */
const abortedCall = (signal: AbortSignal | undefined) =>
  new BackendUnavailableError('fake backend call aborted', { cause: signal?.reason, nothingSent: true });

type Step = 'create' | 'start' | 'stop' | 'update' | 'delete' | 'status' | 'list';

/** How one backend step behaves. Default: succeed at once. */
export interface StepBehaviour {
  /** Throw this error before acting (every call, or `times` calls). */
  fail?: Error;
  /** Act, then throw this error: the call was carried out but its answer was lost ("sent, outcome unknown"). */
  failAfterApplying?: Error;
  /** Wait this long before acting (a slow backend); an abort ends the wait and nothing is done. */
  delayMs?: number;
  /** Never answer until `release()` (a hung backend); an abort ends the wait and nothing is done. */
  hang?: boolean;
  /**
   * The calling function is frozen inside this call until `release()`: nothing wakes it earlier, not even its
   * abort signal (a frozen instance runs no timers). On release it acts and goes on as if no time had passed.
   */
  freeze?: boolean;
  /** Apply the behaviour this many times, then go back to succeeding. */
  times?: number;
}

interface FakeResource {
  ref: Required<BackendRef>;
  spec: WorkerSpec;
  running: boolean;
  instanceSeq: number;
  instances: { id: string; startedAt: number }[];
}

/**
 * An in-memory backend whose every step can succeed, fail, hang or be slow, for lifecycle tests and for trying
 * the API without a container engine (`BACKENDS=fake`). It records the calls it received and the highest number of
 * calls that were in flight at once for one worker, so tests can prove there was only ever one driver.
 */
export class FakeBackend implements WorkerBackend {
  readonly name: string;
  readonly deploymentMode = 'local' as const;
  readonly capabilities = { logs: true };
  readonly calls: { step: Step; resourceName: string; at: number }[] = [];
  maxConcurrentPerWorker = 0;

  private readonly resources = new Map<string, FakeResource>();
  private readonly behaviours = new Map<Step, StepBehaviour>();
  private readonly inFlight = new Map<string, number>();
  private readonly hung = new Set<() => void>();
  private seq = 0;
  /** Instances that keep running after their resource was stopped or replaced (a zombie old boot). */
  private readonly zombies = new Map<string, { id: string; startedAt: number }[]>();
  keepOldInstances = false;

  constructor(private readonly options: { name?: string; now?: () => number } = {}) {
    this.name = options.name ?? 'fake';
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Set how a step behaves from now on. */
  behave(step: Step, behaviour: StepBehaviour): void {
    this.behaviours.set(step, { ...behaviour });
  }

  reset(step?: Step): void {
    if (step) this.behaviours.delete(step);
    else this.behaviours.clear();
  }

  /** Let every hung call continue. */
  release(): void {
    for (const resume of this.hung) resume();
    this.hung.clear();
  }

  /** Remove a resource behind the orchestrator's back (drift). */
  vanish(resourceName: string): void {
    this.resources.delete(resourceName);
  }

  resource(resourceName: string): FakeResource | undefined {
    return this.resources.get(resourceName);
  }

  allResources(): FakeResource[] {
    return [...this.resources.values()];
  }

  private async step<T>(step: Step, resourceName: string, act: () => T, signal?: AbortSignal): Promise<T> {
    this.calls.push({ step, resourceName, at: this.now() });
    const tracked = step !== 'status' && step !== 'list';
    if (tracked) {
      const n = (this.inFlight.get(resourceName) ?? 0) + 1;
      this.inFlight.set(resourceName, n);
      this.maxConcurrentPerWorker = Math.max(this.maxConcurrentPerWorker, n);
    }
    try {
      const behaviour = this.behaviours.get(step);
      if (behaviour) {
        if (behaviour.times !== undefined && --behaviour.times <= 0) this.behaviours.delete(step);
        if (behaviour.delayMs) await this.wait(signal, (resume) => setTimeout(resume, behaviour.delayMs));
        if (behaviour.hang) await this.wait(signal, (resume) => this.hung.add(resume));
        if (behaviour.freeze) await new Promise<void>((resolve) => this.hung.add(resolve));
        if (behaviour.fail) throw behaviour.fail;
        if (behaviour.failAfterApplying) {
          act();
          throw behaviour.failAfterApplying;
        }
      }
      if (signal?.aborted) throw abortedCall(signal);
      return act();
    } finally {
      if (tracked) this.inFlight.set(resourceName, (this.inFlight.get(resourceName) ?? 1) - 1);
    }
  }

  /** Waits for `arm` to resume us, or for the signal to abort the call (then nothing is done). */
  private wait(signal: AbortSignal | undefined, arm: (resume: () => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const aborted = () => reject(abortedCall(signal));
      if (signal?.aborted) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      arm(() => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      });
    });
  }

  private boot(resource: FakeResource): void {
    if (this.keepOldInstances && resource.instances.length > 0) {
      this.zombies.set(resource.ref.resourceName, [...resource.instances]);
    }
    resource.instanceSeq++;
    resource.instances = [
      { id: `${resource.ref.id}-instance-${resource.instanceSeq}`, startedAt: this.now() },
    ];
    resource.running = true;
  }

  private halt(resource: FakeResource): void {
    if (this.keepOldInstances && resource.instances.length > 0) {
      this.zombies.set(resource.ref.resourceName, [...resource.instances]);
    }
    resource.instances = [];
    resource.running = false;
  }

  create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    return this.step(
      'create',
      spec.resourceName,
      () => {
        const existing = this.resources.get(spec.resourceName);
        if (existing) {
          if (existing.spec.uid !== spec.uid) {
            throw new BackendRejectedError(
              `resource ${spec.resourceName} belongs to another worker`,
              'name',
              'name_taken',
            );
          }
          if (!existing.running) this.boot(existing);
          return { ref: existing.ref };
        }
        if (spec.image.includes('missing')) {
          throw new BackendRejectedError(`image ${spec.image} not found`, 'image', 'image_not_found');
        }
        const resource: FakeResource = {
          ref: { resourceName: spec.resourceName, id: `fake-${++this.seq}` },
          spec,
          running: false,
          instanceSeq: 0,
          instances: [],
        };
        this.resources.set(spec.resourceName, resource);
        this.boot(resource);
        return { ref: resource.ref };
      },
      signal,
    );
  }

  private find(ref: BackendRef): FakeResource {
    const resource = this.resources.get(ref.resourceName);
    if (!resource) throw new BackendError(`resource ${ref.resourceName} not found`);
    return resource;
  }

  start(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    return this.step(
      'start',
      ref.resourceName,
      () => {
        const resource = this.find(ref);
        if (!resource.running) this.boot(resource);
      },
      signal,
    );
  }

  stop(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    return this.step(
      'stop',
      ref.resourceName,
      () => {
        const resource = this.resources.get(ref.resourceName);
        if (resource?.running) this.halt(resource);
      },
      signal,
    );
  }

  update(ref: BackendRef, spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    return this.step(
      'update',
      ref.resourceName,
      () => {
        const resource = this.find(ref);
        if (spec.image.includes('missing')) {
          throw new BackendRejectedError(`image ${spec.image} not found`, 'image', 'image_not_found');
        }
        resource.spec = spec;
        this.halt(resource);
        this.boot(resource);
        return { ref: resource.ref };
      },
      signal,
    );
  }

  delete(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    return this.step(
      'delete',
      ref.resourceName,
      () => {
        const resource = this.resources.get(ref.resourceName);
        if (resource) this.halt(resource);
        this.resources.delete(ref.resourceName);
      },
      signal,
    );
  }

  status(ref: BackendRef, signal?: AbortSignal): Promise<BackendStatus> {
    return this.step(
      'status',
      ref.resourceName,
      (): BackendStatus => {
        const resource = this.resources.get(ref.resourceName);
        const zombies = this.zombies.get(ref.resourceName) ?? [];
        if (!resource) return { state: 'not_found', instances: zombies, raw: 'missing' };
        return {
          state: resource.running ? 'running' : 'stopped',
          instances: [...zombies, ...resource.instances],
          raw: resource.running ? 'running' : 'exited',
          ref: resource.ref,
        };
      },
      signal,
    );
  }

  /** Stop every zombie instance left behind by `keepOldInstances`. */
  killZombies(): void {
    this.zombies.clear();
  }

  list(options: { cursor?: string; limit?: number } = {}): Promise<InventoryPage> {
    return this.step('list', '*', () => {
      const limit = options.limit ?? 100;
      const names = [...this.resources.keys()]
        .sort()
        .filter((n) => options.cursor === undefined || n > options.cursor);
      const page = names.slice(0, limit);
      return {
        items: page.map((n) => {
          const r = this.resources.get(n)!;
          return {
            ref: r.ref,
            deploymentId: r.spec.deploymentId,
            workerName: r.spec.name,
            uid: r.spec.uid,
            state: r.running ? ('running' as const) : ('stopped' as const),
            raw: r.running ? 'running' : 'exited',
          };
        }),
        ...(names.length > limit ? { cursor: page[page.length - 1]! } : {}),
      };
    });
  }

  async logs(ref: BackendRef, options: { tail: number }): Promise<string> {
    // As the Docker adapter answers a missing container's logs: the worker has no resource now, nothing failed.
    if (!this.resources.has(ref.resourceName))
      throw new NotFoundError(`resource ${ref.resourceName} not found`);
    const resource = this.find(ref);
    const lines = [
      `fake worker ${resource.spec.name} image=${resource.spec.image}`,
      `instances=${resource.instanceSeq}`,
    ];
    return lines.slice(-options.tail).join('\n');
  }

  async health() {
    return { ok: true, message: 'fake backend (in memory)' };
  }
}
