/**
 * The lifecycle service, composed lazily from a config, a store and backend factories: what every function
 * needs, and all the sweeper needs. Kept apart from `compose.ts` (which adds the HTTP app) so that the sweeper's
 * bundle imports no route, schema or HTTP framework: esbuild keeps a module's top-level code (zod schemas are
 * built at load) whenever the module is imported at all.
 *
 * @module
 */

import { FakeBackend } from '../backends/fake';
import type { WorkerBackend } from '../backends/port';
import type { BackendKind, OrchestratorConfig } from '../config/core';
import {
  BackendRegistry,
  type Clock,
  deadlineOf,
  EventFiler,
  type LifecycleContext,
  type Logger,
  once,
  sha256Hex,
  systemClock,
  type WebhookSender,
  Webhooks,
  WorkerRepository,
  WorkerService,
} from '../lifecycle';
import type { ObjectStore } from '../store/port';
import { withPrefix } from '../store/prefixed';
import { FetchWebhookSender } from '../webhooks';
import { jsonLogger } from './logger';

export type BackendFactory = (deploymentId: string) => WorkerBackend | Promise<WorkerBackend>;

/** `BACKENDS=fake` (tests only): one in-memory backend per process, shared by every function in it. */
let fakeBackend: FakeBackend | undefined;
export const sharedFakeBackend: BackendFactory = () => {
  fakeBackend ??= new FakeBackend();
  return fakeBackend;
};

export interface ServiceInput {
  config: OrchestratorConfig;
  store: ObjectStore;
  backends: Partial<Record<BackendKind, BackendFactory>>;
  clock?: Clock;
  log?: Logger;
  /** Identifies this function instance in operation leases. */
  owner?: string;
  /**
   * Whether this function makes transitions, and so files and sends their webhook events (default true). The
   * credentials function makes none and may not read the secrets an endpoint's signing key lives in.
   */
  makesTransitions?: boolean;
  /** Webhooks may use plain http to loopback: the local emulator only. */
  webhookLoopbackHttp?: boolean;
  /** Replaces the fetch-based webhook sender (tests). */
  webhookSender?: WebhookSender;
  /** The fetch webhooks leave through (the emulator's goes through its outbound service). */
  webhookFetch?: typeof fetch;
}

/** The lifecycle service, composed on first call (the backends need the deployment id stored in the state). */
export function composeService(input: ServiceInput): () => Promise<WorkerService> {
  const { config } = input;
  const clock = input.clock ?? systemClock;
  const log = input.log ?? jsonLogger();
  const store = withPrefix(input.store, config.state.prefix);
  const policy = {
    allowPrivate: config.webhooks?.allowPrivate ?? false,
    allowLoopbackHttp: input.webhookLoopbackHttp ?? false,
  };
  const webhooks =
    (input.makesTransitions ?? true)
      ? new Webhooks(
          store,
          input.webhookSender ?? new FetchWebhookSender(policy, input.webhookFetch),
          clock,
          log,
          {
            policy,
            confirmGraceMs: (config.settings.functionTimeoutSeconds + 60) * 1000,
          },
        )
      : undefined;
  // Every function, the credentials one included, files `credentials.issued` this way: it reads the endpoint list
  // (never `secrets/`) and writes the outbox; the sweeper signs and delivers. The list is reused for 30 s, so a
  // credentials request that no endpoint wants costs one read per instance per 30 s, not one per request.
  const eventFiler = new EventFiler(store, clock, { endpointsCacheMs: 30_000 });
  const repo = new WorkerRepository(store, deadlineOf(config.settings), () => clock.now(), webhooks);
  const deployment = once(() => repo.deployment(() => clock.now()));

  const service = once(async () => {
    const { deployment_id } = await deployment();
    const available = new Map<string, WorkerBackend>();
    const unavailable = new Map<string, string>();
    for (const kind of config.backends) {
      const factory = input.backends[kind];
      if (!factory) {
        unavailable.set(kind, 'this platform does not include that backend');
        continue;
      }
      try {
        available.set(kind, await factory(deployment_id));
      } catch (error) {
        unavailable.set(kind, error instanceof Error ? error.message : 'could not be set up');
      }
    }
    const ctx: LifecycleContext = {
      repo,
      backends: new BackendRegistry(available, unavailable),
      settings: config.settings,
      clock,
      owner: input.owner ?? `fn-${crypto.randomUUID().slice(0, 8)}`,
      log,
      deployment,
      hmacKey: once(() => repo.hmacKey()),
      ...(webhooks ? { webhooks } : {}),
      eventFiler,
    };
    const managerKeyHashes = await Promise.all(config.auth.managerKeys.map((key) => sha256Hex(key)));
    return new WorkerService(ctx, { mode: config.auth.mode, managerKeyHashes });
  });
  return service;
}
