/**
 * Starts the real local emulator (the same `startEmulator` as `npm start`) for end-to-end tests: a free port on
 * loopback, a temporary data directory, and its own deployment id, so parallel test files never see each other's
 * workers or containers. `stop()` removes every container of that deployment and the data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../infra/emulator/emulator';
import { createDockerSocketFetch } from '../../src/backends/docker/node';
import { LABELS } from '../../src/backends/port';
import { createOrchestratorClient, type OrchestratorClient } from '../../src/client';
import {
  dockerRequired,
  dockerSocketPath,
  type EngineProbe,
  ensureWorkerImage,
  probeDockerEngine,
} from './docker-engine';

export interface TestEmulatorOptions {
  /** Orchestrator configuration (bindings); the docker backend and the reference image by default. */
  vars?: Record<string, string>;
  /** Default: the engine `DOCKER_HOST` names, else `/var/run/docker.sock`. */
  socketPath?: string;
  /** Default 0: the sweeper runs only when the test calls `triggerSweep`. */
  sweepIntervalSeconds?: number;
  /** Reuse a data directory (a restart); default a fresh temporary one. */
  dataDir?: string;
}

export interface ApiReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field, as a client would
  json: any;
  headers: Headers;
}

export interface TestEmulator {
  url: string;
  managerKey: string;
  deploymentId: string;
  dataDir: string;
  emulator: Emulator;
  /** The functions' log lines so far (printed when a test needs to explain a failure). */
  logs: string[];
  triggerSweep(): Promise<void>;
  /**
   * The typed client (src/client) with the manager key, as an operator's script would use it: paths, bodies and
   * answers checked by the compiler. Prefer it; `call` is for what a typed client cannot send (bad input, no key).
   */
  client: OrchestratorClient;
  /** The typed client with another key (a team's, a worker's). */
  clientWith(key: string): OrchestratorClient;
  /** One raw API call; `key: null` sends no Authorization header, a string sends that key. */
  call(method: string, path: string, options?: { body?: unknown; key?: string | null }): Promise<ApiReply>;
  /** Stops the emulator; by default also removes its containers and data directory. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'orchestrator-e2e-')));
  const socketPath = options.socketPath ?? dockerSocketPath();
  const logs: string[] = [];
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    socketPath,
    sweepIntervalSeconds: options.sweepIntervalSeconds ?? 0,
    vars: { BACKENDS: 'docker', DEFAULT_IMAGE: 'orchestrator-test-worker:latest', ...options.vars },
    onLog: (line) => logs.push(line),
  });
  const call: TestEmulator['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = {};
    const key = callOptions.key === undefined ? emulator.managerKey : callOptions.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers,
      ...(callOptions.body !== undefined ? { body: JSON.stringify(callOptions.body) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  };
  const health = await call('GET', '/healthz');
  const deploymentId = String(health.json?.deployment_id ?? '');
  return {
    url: emulator.url,
    managerKey: emulator.managerKey ?? '',
    deploymentId,
    dataDir,
    emulator,
    logs,
    triggerSweep: () => emulator.triggerSweep(),
    client: createOrchestratorClient({ url: emulator.url, key: emulator.managerKey }),
    clientWith: (key) => createOrchestratorClient({ url: emulator.url, key }),
    call,
    async stop(stopOptions = {}) {
      await emulator.stop();
      if (emulator.docker?.reachable && deploymentId) await removeContainers(deploymentId, socketPath);
      if (!stopOptions.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The engine, straight over its socket: what the tests check the orchestrator's claims against. */
export const engine = createDockerSocketFetch({ socketPath: dockerSocketPath() });

export interface ContainerFacts {
  Id: string;
  Name: string;
  Created: string;
  State: { Status: string; Running: boolean; StartedAt: string };
  Config: { Image: string; Env: string[]; Labels: Record<string, string> };
}

/** Every container (running or not) of a deployment, optionally of one worker. */
export async function containersOf(deploymentId: string, worker?: string): Promise<ContainerFacts[]> {
  const labels = [`${LABELS.deployment}=${deploymentId}`, ...(worker ? [`${LABELS.worker}=${worker}`] : [])];
  const filters = encodeURIComponent(JSON.stringify({ label: labels }));
  const response = await engine(`/containers/json?all=1&filters=${filters}`);
  expect(response.status).toBe(200);
  const summaries = (await response.json()) as { Id: string }[];
  return Promise.all(summaries.map((summary) => inspectContainer(summary.Id))) as Promise<ContainerFacts[]>;
}

export async function inspectContainer(id: string): Promise<ContainerFacts | null> {
  const response = await engine(`/containers/${id}/json`);
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return (await response.json()) as ContainerFacts;
}

/** The value of one env variable inside a container. */
export const envOf = (container: ContainerFacts, name: string): string | undefined =>
  container.Config.Env.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);

export async function removeContainers(deploymentId: string, socketPath = dockerSocketPath()): Promise<void> {
  const docker = createDockerSocketFetch({ socketPath });
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.deployment}=${deploymentId}`] }));
  const response = await docker(`/containers/json?all=1&filters=${filters}`);
  if (response.status !== 200) return;
  for (const { Id } of (await response.json()) as { Id: string }[]) {
    await docker(`/containers/${Id}?force=1&v=1`, { method: 'DELETE' });
  }
}

/** Polls until `accept` holds (or fails with the last value seen), e.g. waiting for a worker to be ready. */
export async function until<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A describe block that needs the real engine: skipped with the reason on a machine without one, but a failure
 * under CI or REQUIRE_DOCKER=1 (a CI run that silently skipped these would prove nothing).
 */
export function describeWithDocker(title: string, probe: EngineProbe, body: () => void): void {
  if (!probe.reachable && dockerRequired()) {
    describe(title, () => {
      it('has a reachable Docker engine, as CI or REQUIRE_DOCKER=1 requires', () => {
        expect.fail('reason' in probe ? probe.reason : 'the Docker engine is not reachable');
      });
    });
    return;
  }
  describe.skipIf(!probe.reachable)(probe.reachable ? title : `${title} (skipped: ${probe.reason})`, body);
}

export { probeDockerEngine };

/**
 * One emulator for a whole e2e file: the worker image is built (if missing) and the emulator started before the
 * file's tests, and stopped (removing its containers) after them. The returned object stands for the running
 * emulator, so tests call `emu.call(...)` as they would on the real one. `options` may be a function, for settings
 * known only once an earlier `beforeAll` ran (a fake's URL).
 */
export function useTestEmulator(
  options: TestEmulatorOptions | (() => TestEmulatorOptions) = {},
): TestEmulator {
  let running: TestEmulator | undefined;
  beforeAll(async () => {
    await ensureWorkerImage();
    running = await startTestEmulator(typeof options === 'function' ? options() : options);
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  });
  return new Proxy({} as TestEmulator, {
    get(_, property) {
      if (!running) throw new Error('the test emulator is used before its beforeAll started it');
      return Reflect.get(running, property);
    },
  });
}
