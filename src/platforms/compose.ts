/**
 * The composition root shared by every platform: given a config, a store and backend factories, it builds the
 * lifecycle context, the service and the HTTP app — lazily, on first use, because workerd forbids I/O at module
 * scope and the backends need the deployment id that lives in the store.
 *
 * @module
 */

import { createApp } from '../api/app';
import type { RouteTable } from '../api/route-table';
import type { WorkerBackend } from '../backends/port';
import type { BackendKind, OrchestratorConfig } from '../config/core';
import { ConfigError } from '../errors';
import {
  BackendRegistry,
  type Clock,
  deadlineOf,
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

export interface ComposeInput {
  config: OrchestratorConfig;
  store: ObjectStore;
  backends: Partial<Record<BackendKind, BackendFactory>>;
  clock?: Clock;
  log?: Logger;
  /** Identifies this function instance in operation leases. */
  owner?: string;
  extendRoutes?: (routes: RouteTable, service: WorkerService) => void;
  routeGroups?: ('lifecycle' | 'meta' | 'extra')[];
  /** Host names the API answers to (the emulator knows its own); unset = any. */
  allowedHosts?: readonly string[];
  /** Webhooks may use plain http to loopback: the local emulator only. */
  webhookLoopbackHttp?: boolean;
  /** Replaces the fetch-based webhook sender (tests). */
  webhookSender?: WebhookSender;
  /** The fetch webhooks leave through (the emulator's goes through its outbound service). */
  webhookFetch?: typeof fetch;
}

export interface Orchestrator {
  readonly config: OrchestratorConfig;
  service(): Promise<WorkerService>;
  fetch(request: Request): Promise<Response>;
}

export function composeOrchestrator(input: ComposeInput): Orchestrator {
  const { config } = input;
  const clock = input.clock ?? systemClock;
  const log = input.log ?? jsonLogger();
  const store = withPrefix(input.store, config.state.prefix);
  // Events out, where this function makes transitions (the credentials function makes none and reads no secret).
  const makesTransitions = !input.routeGroups || input.routeGroups.includes('lifecycle');
  const policy = {
    allowPrivate: config.webhooks?.allowPrivate ?? false,
    allowLoopbackHttp: input.webhookLoopbackHttp ?? false,
  };
  const webhooks = makesTransitions
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
  const repo = new WorkerRepository(store, deadlineOf(config.settings), webhooks);
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
    };
    const managerKeyHashes = await Promise.all(config.auth.managerKeys.map((key) => sha256Hex(key)));
    return new WorkerService(ctx, { mode: config.auth.mode, managerKeyHashes });
  });

  const app = once(async () =>
    createApp({
      service: await service(),
      ...(input.extendRoutes ? { extend: input.extendRoutes } : {}),
      ...(input.routeGroups ? { only: input.routeGroups } : {}),
      ...(input.allowedHosts ? { allowedHosts: input.allowedHosts } : {}),
    }),
  );

  return {
    config,
    service,
    async fetch(request) {
      try {
        return await (await app()).fetch(request);
      } catch (error) {
        // Only reachable when composing failed; the app maps everything else. A configuration the orchestrator
        // refuses (e.g. a versioned OSS bucket) is no outage to retry: say so, and leave the details (bucket and
        // setting names) to the log, which only the operator reads.
        log.error('orchestrator could not start', {
          error: error instanceof Error ? error.message : String(error),
        });
        if (error instanceof ConfigError) {
          return Response.json(
            {
              message: 'the orchestrator refuses to start with its configuration; its log says which setting',
              code: 'misconfigured',
            },
            { status: 500 },
          );
        }
        return Response.json(
          { message: 'the orchestrator could not reach its state store', code: 'store_unavailable' },
          { status: 503, headers: { 'retry-after': '5' } },
        );
      }
    },
  };
}
