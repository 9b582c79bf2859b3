/**
 * Whether a Docker engine answers on the local socket, and whether this run insists on one.
 *
 * Suites that need the engine skip with the probe's reason on a laptop without Docker, but FAIL under CI or with
 * `REQUIRE_DOCKER=1`: a CI run that silently skipped the real-engine suites would prove nothing.
 * Start an engine with `infra/docker/start-engine.sh`; build the worker image with `ensureWorkerImage()`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDockerSocketFetch, DEFAULT_DOCKER_SOCKET } from '../../src/backends/docker/node';

export const WORKER_IMAGE = 'orchestrator-test-worker:latest';

/** The engine socket: `DOCKER_HOST=unix:///path` as the docker CLI reads it, else the default socket. */
export const dockerSocketPath = (env: NodeJS.ProcessEnv = process.env): string =>
  env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice('unix://'.length) : DEFAULT_DOCKER_SOCKET;

export type EngineProbe = { reachable: true; version: string } | { reachable: false; reason: string };

export const probeDockerEngine = async (socketPath = dockerSocketPath()): Promise<EngineProbe> => {
  const fetch = createDockerSocketFetch({ socketPath, timeoutMs: 3_000 });
  try {
    const response = await fetch('/version');
    if (!response.ok) {
      return { reachable: false, reason: `Docker engine at ${socketPath} answered ${response.status}` };
    }
    const version = (await response.json()) as { Version?: string };
    return { reachable: true, version: version.Version ?? 'unknown' };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      reachable: false,
      reason: `no Docker engine at ${socketPath} (${detail}); start one with infra/docker/start-engine.sh`,
    };
  }
};

/** CI (`CI` set to anything but `false`/`0`) or `REQUIRE_DOCKER=1` turns a missing engine into a failure. */
export const dockerRequired = (env: NodeJS.ProcessEnv = process.env): boolean =>
  (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') ||
  env.REQUIRE_DOCKER === '1';

/** Builds `orchestrator-test-worker:latest` from the static busybox (fast when it is up to date). */
export const ensureWorkerImage = async (): Promise<void> => {
  const script = fileURLToPath(new URL('../../infra/worker/build-image.sh', import.meta.url));
  await promisify(execFile)('bash', [script], { timeout: 120_000 });
};
