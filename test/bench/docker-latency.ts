/**
 * Create→ready and wake→ready through the orchestrator (the emulator driving real Docker), beside the same
 * container started directly with the Engine API and timed to the same readiness signal (its first POST to
 * `/workers/<name>/ready`). The ratio is the orchestrator's overhead on the real path.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../infra/emulator/emulator';
import { createDockerSocketFetch } from '../../src/backends/docker/node';
import { dockerSocketPath, probeDockerEngine, WORKER_IMAGE } from '../support/docker-engine';

const RUNS = 5;
/**
 * How often the bench asks whether the worker is ready. The moment itself is the orchestrator's own `ready_at`,
 * so polling faster adds no precision, only load: each GET costs the emulator a few ms of CPU on the same cores
 * the booting container needs, a cost the direct path (which waits for the report) does not carry.
 */
const POLL_MS = 100;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface DockerLatency {
  runs: number;
  orchestrator_create_to_ready_ms: number;
  orchestrator_wake_to_ready_ms: number;
  direct_create_to_ready_ms: number;
  direct_restart_to_ready_ms: number;
  create_ratio: number;
  wake_ratio: number;
}

export async function benchDockerLatency(): Promise<DockerLatency | { skipped: string }> {
  const probe = await probeDockerEngine();
  if (!probe.reachable) return { skipped: `no Docker engine: ${probe.reason}` };
  const orchestrated = await throughOrchestrator();
  const direct = await directEngine();
  return {
    runs: RUNS,
    orchestrator_create_to_ready_ms: median(orchestrated.create),
    orchestrator_wake_to_ready_ms: median(orchestrated.wake),
    direct_create_to_ready_ms: median(direct.create),
    direct_restart_to_ready_ms: median(direct.restart),
    create_ratio: Math.round((median(orchestrated.create) / median(direct.create)) * 100) / 100,
    wake_ratio: Math.round((median(orchestrated.wake) / median(direct.restart)) * 100) / 100,
  };
}

async function throughOrchestrator() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-emulator-'));
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    socketPath: dockerSocketPath(),
    sweepIntervalSeconds: 0,
    vars: { BACKENDS: 'docker', DEFAULT_IMAGE: WORKER_IMAGE },
    onLog: () => undefined,
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${emulator.managerKey}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return response.json().catch(() => undefined) as Promise<
      { status?: string; ready_at?: string } | undefined
    >;
  };
  /** The orchestrator's own `ready_at` (same machine, same clock) marks the moment, not our polling. */
  const readyAt = async (name: string) => {
    for (;;) {
      const worker = await call('GET', `/workers/${name}`);
      if (worker?.status === 'ready' && worker.ready_at) return Date.parse(worker.ready_at);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const create: number[] = [];
  const wake: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const name = `bench-${i}`;
      let t0 = Date.now();
      await call('POST', '/workers', { name, env: { HEARTBEAT_INTERVAL_SECONDS: '1' } });
      create.push((await readyAt(name)) - t0);
      await call('POST', `/workers/${name}/sleep`);
      t0 = Date.now();
      await call('POST', `/workers/${name}/wake`);
      wake.push((await readyAt(name)) - t0);
      await call('DELETE', `/workers/${name}`);
    }
  } finally {
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { create, wake };
}

/** The same image and readiness signal, with the Engine API and a bare HTTP listener standing in for us. */
async function directEngine() {
  const engine = createDockerSocketFetch({ socketPath: dockerSocketPath() });
  let onReady: (() => void) | undefined;
  const listener = createServer((req, res) => {
    onReady?.();
    onReady = undefined;
    req.resume();
    res.writeHead(204, { connection: 'close' }).end();
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as AddressInfo).port;
  const create: number[] = [];
  const restart: number[] = [];
  const nextReport = () => new Promise<number>((resolve) => (onReady = () => resolve(Date.now())));
  try {
    for (let i = 0; i < RUNS; i++) {
      const name = `bench-direct-${process.pid}-${i}`;
      let t0 = Date.now();
      let reported = nextReport();
      const created = await engine(`/containers/create?name=${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          Image: WORKER_IMAGE,
          Env: [
            `HICLAW_ORCHESTRATOR_URL=http://127.0.0.1:${port}`,
            `HICLAW_WORKER_NAME=${name}`,
            'HICLAW_WORKER_API_KEY=direct',
            'HEARTBEAT_INTERVAL_SECONDS=3600',
          ],
          HostConfig: { NetworkMode: 'host' },
        }),
      });
      const { Id } = (await created.json()) as { Id: string };
      await engine(`/containers/${Id}/start`, { method: 'POST' });
      create.push((await reported) - t0);
      await engine(`/containers/${Id}/stop?t=1`, { method: 'POST' });
      t0 = Date.now();
      reported = nextReport();
      await engine(`/containers/${Id}/start`, { method: 'POST' });
      restart.push((await reported) - t0);
      await engine(`/containers/${Id}?force=true`, { method: 'DELETE' });
    }
  } finally {
    listener.close();
  }
  return { create, restart };
}
