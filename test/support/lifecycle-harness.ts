/**
 * A LifecycleContext over a MemoryStore, a FakeBackend and a ManualClock, for lifecycle tests that drive the
 * domain directly (no HTTP). Time moves only when the test says so, and the store and the backend read the same
 * clock, so `lastModified`, lease expiries and idle deadlines all agree.
 *
 * @example
 * const h = makeHarness({ settings: { wedgedAfterSeconds: 600 } });
 * const { apiKey } = await h.service.create({ name: 'w1' }, MANAGER);
 * h.clock.advance(60_000);
 */

import { FakeBackend } from '../../src/backends/fake';
import type { WorkerBackend } from '../../src/backends/port';
import {
  BackendRegistry,
  type LifecycleContext,
  type Logger,
  once,
  silentLogger,
} from '../../src/lifecycle/context';
import { MANAGER } from '../../src/lifecycle/model/actor';
import { ManualClock } from '../../src/lifecycle/model/clock';
import type { CreateInput, ReportInput } from '../../src/lifecycle/model/inputs';
import { deadlineOf } from '../../src/lifecycle/model/policy';
import type { WorkerEvent, WorkerRecord } from '../../src/lifecycle/model/record';
import { isWorker } from '../../src/lifecycle/model/record';
import { DEFAULT_SETTINGS, type LifecycleSettings } from '../../src/lifecycle/model/settings';
import { layout } from '../../src/lifecycle/persistence/layout';
import { WorkerRepository } from '../../src/lifecycle/persistence/repository';
import { WorkerService } from '../../src/lifecycle/requests/service';
import { MemoryStore } from '../../src/store/memory';
import type { DeleteOptions, ListOptions, ObjectStore, PutOptions } from '../../src/store/port';

export interface HarnessOptions {
  settings?: Partial<LifecycleSettings>;
  /** Start time (epoch ms); default 2026-01-01T00:00:00Z. */
  now?: number;
  /** Lease owner of this context (give two contexts different owners to model two functions). */
  owner?: string;
  /** Wraps the memory store the repository talks to (fault injection, hooks); counts stay on the memory store. */
  wrapStore?: (store: MemoryStore) => ObjectStore;
  /** Wraps the fake backend the registry hands out (per-worker failures, latency). */
  wrapBackend?: (backend: FakeBackend) => WorkerBackend;
  log?: Logger;
}

export function makeHarness(options: HarnessOptions = {}) {
  const clock = new ManualClock(options.now);
  const store = new MemoryStore(() => clock.now());
  const backend = new FakeBackend({ now: () => clock.now() });
  const settings: LifecycleSettings = {
    ...DEFAULT_SETTINGS,
    defaultBackend: backend.name,
    ...options.settings,
  };
  const repo = new WorkerRepository(options.wrapStore?.(store) ?? store, deadlineOf(settings), () =>
    clock.now(),
  );
  const served = options.wrapBackend?.(backend) ?? backend;
  const ctx: LifecycleContext = {
    repo,
    backends: new BackendRegistry(new Map([[served.name, served]])),
    settings,
    clock,
    owner: options.owner ?? 'test',
    log: options.log ?? silentLogger,
    deployment: once(() => repo.deployment(() => clock.now())),
    hmacKey: once(() => repo.hmacKey()),
  };
  const service = new WorkerService(ctx, { mode: 'keys', managerKeyHashes: [] });
  return { ctx, store, backend, clock, service, settings, repo };
}

export type Harness = ReturnType<typeof makeHarness>;

/** The same store, backend and clock seen from another function instance (its own owner and context). */
export function sibling(h: Harness, owner: string): LifecycleContext {
  return { ...h.ctx, owner };
}

/** The stored record, or a failed expectation when the name holds none (or a tombstone). */
export async function recordOf(h: Harness, name: string): Promise<WorkerRecord> {
  const value = (await h.repo.read(name))?.value;
  if (!isWorker(value)) throw new Error(`no live record for ${name}`);
  return value;
}

/** Creates a worker and reports it ready from its (fake) instance, as the worker image would. */
export async function createReady(
  h: Harness,
  input: CreateInput,
  report: ReportInput = {},
): Promise<WorkerRecord> {
  await h.service.create(input, MANAGER);
  await h.service.report(await recordOf(h, input.name), report);
  return recordOf(h, input.name);
}

/** Every event of a worker, oldest first. */
export async function eventsOf(h: Harness, name: string): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.repo.listEvents(name, { limit: 1000, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return events.reverse();
}

/** Every `due/` hint, parsed, in time order (optionally of one worker). */
export async function hintsOf(h: Harness, name?: string) {
  const hints: { key: string; atMs: number; name: string }[] = [];
  let startAfter: string | undefined;
  do {
    const page = await h.store.list(layout.hintsPrefix, startAfter ? { startAfter } : {});
    for (const { key } of page.keys) {
      const parsed = layout.parseHint(key);
      if (parsed && (name === undefined || parsed.name === name)) hints.push({ key, ...parsed });
    }
    startAfter = page.cursor;
  } while (startAfter);
  return hints;
}

export type StoreOp = 'get' | 'put' | 'delete' | 'list';

/**
 * Calls `hook` before every operation reaches the inner store: a test can inject a concurrent write at an exact
 * point of another's sequence, or throw to model a crashed function.
 */
export class HookedStore implements ObjectStore {
  readonly kind: string;
  hook: ((op: StoreOp, key: string) => Promise<void> | void) | undefined;

  constructor(private readonly inner: ObjectStore) {
    this.kind = inner.kind;
  }

  get atomicConditionalDelete(): boolean {
    return this.inner.atomicConditionalDelete;
  }

  /** The inner store's operation count, when it keeps one (the memory store does). */
  operations(): number | undefined {
    return (this.inner as { operations?: () => number }).operations?.();
  }

  private async before(op: StoreOp, key: string) {
    await this.hook?.(op, key);
  }

  async get(key: string) {
    await this.before('get', key);
    return this.inner.get(key);
  }

  async put(key: string, body: string, options?: PutOptions) {
    await this.before('put', key);
    return this.inner.put(key, body, options);
  }

  async delete(key: string, options?: DeleteOptions) {
    await this.before('delete', key);
    return this.inner.delete(key, options);
  }

  async list(prefix: string, options?: ListOptions) {
    await this.before('list', prefix);
    return this.inner.list(prefix, options);
  }
}

/** For tests that model no heartbeats: the silence check must not restart their workers. */
export const QUIET: Partial<LifecycleSettings> = { unresponsiveAfterSeconds: 365 * 86_400 };
