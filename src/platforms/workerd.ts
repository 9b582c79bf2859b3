/**
 * The composition root of the local emulator's workerd module (`functions/emulator/worker.ts`): worker bindings →
 * config, `R2Store` over `env.STATE`, and the Docker backend reached through `http://docker.sock/<path>`.
 *
 * `docker.sock` is not a real host: the emulator's outbound service (`infra/emulator/outbound.ts`) routes that
 * hostname to the engine's unix socket, so the engine is never exposed on TCP where a worker could call it (a
 * worker that can call the engine owns the host). Everything here is web-standard; the socket stays in Node.
 *
 * miniflare serves the outbound service and the `STS_ISSUER` binding through an HTTP server of its own on a loopback
 * port that anyone on this machine can call, worker containers on the host network included. So every request to
 * either carries the per-process token the emulator hands in as the `EMULATOR_PROXY_TOKEN` binding, and the Node
 * side refuses a request without it.
 *
 * One orchestrator per isolate: workerd forbids I/O at module scope, so it is built on the first request and the
 * composition root itself is lazy (the backends need the deployment id that lives in the store).
 *
 * @example
 * export default { fetch: (request, env) => handleFetch(request, env) };
 *
 * @module
 */

import { createApp } from '../api/app';
import { registerCredentialRoutes } from '../api/routes/credentials';
import { registerSweepRoute } from '../api/routes/sweep';
import { DockerBackend, type DockerBackendOptions, type DockerFetch } from '../backends/docker';
import { FakeBackend } from '../backends/fake';
import { readStsChoice } from '../config/cloud';
import { loadConfig } from '../config/core';
import { type Env, EnvReader } from '../config/env';
import { RemoteIssuer } from '../credentials/remote';
import { ConfigError, OrchestratorError } from '../errors';
import { runSweep } from '../lifecycle';
import { type R2BucketLike, R2Store } from '../store/r2';
import { type ComposeInput, composeOrchestrator, type Orchestrator } from './compose';

/** The hostname the emulator's outbound service forwards to the Docker engine's unix socket. */
export const DOCKER_SOCKET_HOST = 'docker.sock';

/** The worker's bindings: the R2 bucket holding the state, plus plain-text config variables. */
export interface WorkerdEnv {
  STATE: R2BucketLike;
  /** The credential issuer hosted by the emulator's Node process, when STS_PROVIDER is set. */
  STS_ISSUER?: { fetch(request: Request): Promise<Response> };
  [name: string]: unknown;
}

/** The binding holding the token that opens the emulator's outbound service and issuer binding. */
export const PROXY_TOKEN_BINDING = 'EMULATOR_PROXY_TOKEN';
/** The request header that carries it; the Node side checks it and strips it before forwarding. */
export const PROXY_TOKEN_HEADER = 'x-emulator-proxy-token';
/**
 * Set to `true` by the emulator runner only, when its listener is on loopback alone: the one case where
 * `AUTH_MODE=off` is allowed (nothing but this machine can reach it). Anything else that loads this module keeps auth on.
 */
export const LOOPBACK_ONLY_BINDING = 'EMULATOR_LOOPBACK_ONLY';

/**
 * Set by the emulator runner: the host names (comma-separated) its listener answers to. A request for any other
 * Host is refused, so a page that re-points its own name at 127.0.0.1 (DNS rebinding) cannot use the API.
 */
export const ALLOWED_HOSTS_BINDING = 'EMULATOR_ALLOWED_HOSTS';

/** Bindings that configure the emulator's plumbing, not the orchestrator: kept out of `loadConfig`. */
const RUNNER_BINDINGS = new Set<string>([PROXY_TOKEN_BINDING, LOOPBACK_ONLY_BINDING, ALLOWED_HOSTS_BINDING]);

/** The given headers plus the proxy token. */
const withToken = (token: string, headers?: HeadersInit): Headers => {
  const merged = new Headers(headers);
  merged.set(PROXY_TOKEN_HEADER, token);
  return merged;
};

/** Engine API calls leave workerd as ordinary fetches to the internal hostname, carrying the proxy token. */
export const dockerViaOutbound =
  (token: string): DockerFetch =>
  (path, init) =>
    fetch(`http://${DOCKER_SOCKET_HOST}${path}`, { ...init, headers: withToken(token, init?.headers) });

/**
 * Docker settings (read only when the docker backend is selected). An allow-list that is not set allows
 * everything, which suits one developer's machine; set them where workers come from less trusted managers.
 * An allow-list that is set but empty allows nothing: `DOCKER_ALLOWED_REGISTRIES=` must never fail open.
 */
export function dockerOptionsFromEnv(env: Env): Omit<DockerBackendOptions, 'fetch' | 'deploymentId'> {
  const read = new EnvReader(env);
  // `list()` reads an empty value as unset; here presence alone decides, so an empty list stays empty.
  const allowList = (name: string): string[] | undefined =>
    env[name] === undefined ? undefined : (read.list(name) ?? []);
  const consolePort = read.int('DOCKER_CONSOLE_PORT', 0, { min: 0, max: 65_535 });
  const pullTimeoutSeconds = read.int('DOCKER_PULL_TIMEOUT_SECONDS', 60, { min: 1, max: 3_600 });
  const networks = allowList('DOCKER_ALLOWED_NETWORKS');
  const extraHosts = allowList('DOCKER_ALLOWED_EXTRA_HOSTS');
  const registries = allowList('DOCKER_ALLOWED_REGISTRIES');
  const defaultNetwork = read.raw('DOCKER_DEFAULT_NETWORK');
  return {
    // 0 = no console port: workers then get no `console_host_port`.
    ...(consolePort > 0 ? { consolePort } : {}),
    pullTimeoutMs: pullTimeoutSeconds * 1000,
    ...(networks ? { networkAllowList: networks } : {}),
    ...(extraHosts ? { extraHostsAllowList: extraHosts } : {}),
    ...(registries ? { registryAllowList: registries } : {}),
    ...(defaultNetwork ? { defaultNetwork } : {}),
  };
}

/** Plain-text bindings only: the R2 binding, any other object and the runner's own bindings are not configuration. */
export const stringBindings = (env: Record<string, unknown>): Env =>
  Object.fromEntries(
    Object.entries(env).filter(([name, value]) => typeof value === 'string' && !RUNNER_BINDINGS.has(name)),
  ) as Env;

const stringBinding = (env: WorkerdEnv, name: string): string | undefined =>
  typeof env[name] === 'string' && env[name] !== '' ? (env[name] as string) : undefined;

/** The proxy token, required as soon as something would use the outbound service or the issuer binding. */
const proxyToken = (env: WorkerdEnv): string => {
  const token = stringBinding(env, PROXY_TOKEN_BINDING);
  if (!token) {
    throw new ConfigError(
      `the ${PROXY_TOKEN_BINDING} binding is missing: the Docker backend and the credential issuer are reached only through the emulator runner (npm start)`,
    );
  }
  return token;
};

/** Builds the emulator's orchestrator from the worker's bindings; throws `ConfigError` naming a bad setting. */
export function createWorkerdOrchestrator(
  env: WorkerdEnv,
  extras: Pick<ComposeInput, 'extendRoutes' | 'log' | 'clock'> = {},
): Orchestrator {
  const vars = stringBindings(env);
  const config = loadConfig(vars, { store: 'r2', backends: ['docker'] });
  if (config.state.kind !== 'r2') {
    throw new ConfigError(`STATE_STORE must be r2 in the emulator (its state is the R2 binding STATE)`);
  }
  if (!env.STATE) throw new ConfigError('the emulator needs an R2 bucket binding named STATE');
  // Defence in depth: the runner refuses AUTH_MODE=off beyond loopback; this module refuses it unless told so.
  if (config.auth.mode === 'off' && env[LOOPBACK_ONLY_BINDING] !== 'true') {
    throw new ConfigError(
      `AUTH_MODE=off is allowed only in the emulator runner listening on loopback alone (${LOOPBACK_ONLY_BINDING}=true, set by npm start)`,
    );
  }
  const docker = config.backends.includes('docker') ? dockerOptionsFromEnv(vars) : undefined;
  const sts = readStsChoice(vars);
  const binding = env.STS_ISSUER;
  const token = docker || (sts.provider !== 'none' && binding) ? proxyToken(env) : '';
  const issuer =
    sts.provider !== 'none' && binding
      ? new RemoteIssuer(sts.provider, (request) =>
          binding.fetch(new Request(request, { headers: withToken(token, request.headers) })),
        )
      : undefined;
  const webhookToken = stringBinding(env, PROXY_TOKEN_BINDING);
  const allowedHosts = stringBinding(env, ALLOWED_HOSTS_BINDING)
    ?.split(',')
    .map((host) => host.trim())
    .filter(Boolean);
  return composeOrchestrator({
    ...extras,
    ...(allowedHosts ? { allowedHosts } : {}),
    // Test receivers and local tools listen on loopback over plain http. Webhooks leave through the outbound
    // service like every other fetch of the functions, so they carry the proxy token (stripped there).
    webhookLoopbackHttp: true,
    ...(webhookToken
      ? {
          webhookFetch: ((input, init) =>
            fetch(input, { ...init, headers: withToken(webhookToken, init?.headers) })) as typeof fetch,
        }
      : {}),
    extendRoutes: (routes, service) => {
      // Without an issuer the route still exists and answers 503 saying so.
      registerCredentialRoutes(routes, service, issuer, sts.durationSeconds);
      // Here only: one module hosts every function, so "run the sweeper once" (`npx orchestrator sweep`) is a call.
      registerSweepRoute(routes, service, config.sweeper);
      extras.extendRoutes?.(routes, service);
    },
    createApp,
    config,
    store: new R2Store(env.STATE),
    backends: {
      ...(docker
        ? {
            docker: (deploymentId) =>
              new DockerBackend({ ...docker, fetch: dockerViaOutbound(token), deploymentId }),
          }
        : {}),
      // In-memory and per isolate: for trying the API without an engine, never for real workers.
      fake: () => new FakeBackend(),
    },
  });
}

let cached: { orchestrator: Orchestrator } | { error: ConfigError } | undefined;

/** The isolate's orchestrator, built once; a configuration error is remembered and answered on every request. */
export function orchestratorFor(env: WorkerdEnv): Orchestrator {
  if (!cached) {
    try {
      cached = { orchestrator: createWorkerdOrchestrator(env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      cached = { error };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.orchestrator;
}

export async function handleFetch(request: Request, env: WorkerdEnv): Promise<Response> {
  try {
    return await orchestratorFor(env).fetch(request);
  } catch (error) {
    // Config messages name the setting and never carry a secret, so they are safe to show.
    const message = error instanceof OrchestratorError ? error.message : 'the orchestrator could not start';
    return Response.json({ message, code: 'config' }, { status: 500 });
  }
}

/**
 * The scheduled (sweeper) function. It returns once the run is over, so the emulator's timer (and a test's
 * `triggerSweep`) never starts a second run on top of the first.
 */
export async function handleScheduled(env: WorkerdEnv): Promise<void> {
  const orchestrator = orchestratorFor(env);
  const { ctx } = await orchestrator.service();
  // The sweeper logs its own report line.
  await runSweep(ctx, { settings: orchestrator.config.sweeper });
}
