/**
 * An in-process orchestrator for API tests: MemoryStore, FakeBackend, a settable clock and a manager key.
 */

import { createApp } from '../../src/api/app';
import { FakeBackend } from '../../src/backends/fake';
import { BackendRegistry, type LifecycleContext, once, silentLogger } from '../../src/lifecycle/context';
import type { Clock } from '../../src/lifecycle/model/clock';
import { sha256Hex } from '../../src/lifecycle/model/keys';
import { deadlineOf } from '../../src/lifecycle/model/policy';
import { DEFAULT_SETTINGS, type LifecycleSettings } from '../../src/lifecycle/model/settings';
import { EventFiler, type WebhookSender, Webhooks } from '../../src/lifecycle/outbox';
import { WorkerRepository } from '../../src/lifecycle/persistence/repository';
import { WorkerService } from '../../src/lifecycle/requests/service';
import { MemoryStore } from '../../src/store/memory';
import type { ObjectStore } from '../../src/store/port';
import { FetchWebhookSender } from '../../src/webhooks';

export const MANAGER_KEY = 'test-manager-key-0123456789';

/** A real clock that tests can push forward (timers still run in real time). */
export class OffsetClock implements Clock {
  offset = 0;
  now() {
    return Date.now() + this.offset;
  }
  advance(ms: number) {
    this.offset += ms;
  }
  sleep(ms: number) {
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  }
}

export interface AppHarnessOptions<S extends ObjectStore> {
  settings?: Partial<LifecycleSettings>;
  store?: S;
  backend?: FakeBackend;
  /**
   * Events out, as every lifecycle function has them: webhooks over the real fetch sender (plain http to loopback
   * allowed), or the sender given; `false` leaves them out.
   */
  webhooks?: boolean | { sender: WebhookSender };
}

export async function makeApp<S extends ObjectStore = MemoryStore>(options: AppHarnessOptions<S> = {}) {
  const clock = new OffsetClock();
  const settings: LifecycleSettings = { ...DEFAULT_SETTINGS, defaultBackend: 'fake', ...options.settings };
  const store = (options.store ?? new MemoryStore(() => clock.now())) as S;
  const backend = options.backend ?? new FakeBackend({ now: () => clock.now() });
  const policy = { allowPrivate: false, allowLoopbackHttp: true };
  const wanted = options.webhooks ?? true;
  const webhooks = wanted
    ? new Webhooks(
        store,
        wanted === true ? new FetchWebhookSender(policy) : wanted.sender,
        clock,
        silentLogger,
        { policy },
      )
    : undefined;
  const repo = new WorkerRepository(store, deadlineOf(settings), () => clock.now(), webhooks);
  const ctx: LifecycleContext = {
    repo,
    backends: new BackendRegistry(new Map([[backend.name, backend]])),
    settings,
    clock,
    owner: 'test',
    log: silentLogger,
    deployment: once(() => repo.deployment(() => clock.now())),
    hmacKey: once(() => repo.hmacKey()),
    ...(webhooks ? { webhooks } : {}),
    // As every function has it: the endpoint list reused for 30 s (of this harness's clock).
    ...(webhooks ? { eventFiler: new EventFiler(store, clock, { endpointsCacheMs: 30_000 }) } : {}),
  };
  const service = new WorkerService(ctx, { mode: 'keys', managerKeyHashes: [await sha256Hex(MANAGER_KEY)] });
  const app = createApp({ service });
  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; key?: string | null; raw?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    const key = options.key === undefined ? MANAGER_KEY : options.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field, as a client would
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  return { app, call, ctx, store, backend, clock, service, settings, repo, webhooks };
}

export type AppHarness = Awaited<ReturnType<typeof makeApp<MemoryStore>>>;

/** Reports ready for a worker with its key, as its container would. */
export async function reportReady(
  h: Pick<AppHarness, 'call'>,
  name: string,
  key: string,
  body: unknown = {},
) {
  return h.call('POST', `/workers/${name}/ready`, { key, body });
}
