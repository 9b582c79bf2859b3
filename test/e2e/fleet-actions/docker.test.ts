/**
 * Fleet actions on a real Docker engine: the selected workers' containers really stop, start and go away, each
 * through its own lease, and the others are left running. Skipped without an engine (a failure under CI or
 * REQUIRE_DOCKER=1).
 */
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { DockerBackend } from '../../../src/backends/docker/adapter';
import { createDockerSocketFetch } from '../../../src/backends/docker/node';
import { BackendRegistry, type LifecycleContext, once, silentLogger } from '../../../src/lifecycle/context';
import { systemClock } from '../../../src/lifecycle/model/clock';
import { sha256Hex } from '../../../src/lifecycle/model/keys';
import { deadlineOf } from '../../../src/lifecycle/model/policy';
import { DEFAULT_SETTINGS, type LifecycleSettings } from '../../../src/lifecycle/model/settings';
import { WorkerRepository } from '../../../src/lifecycle/persistence/repository';
import { WorkerService } from '../../../src/lifecycle/requests/service';
import { MemoryStore } from '../../../src/store/memory';
import {
  dockerSocketPath,
  ensureWorkerImage,
  probeDockerEngine,
  WORKER_IMAGE,
} from '../../support/docker-engine';
import { describeWithDocker } from '../../support/emulator';

const probe = await probeDockerEngine();
const KEY = 'fleet-docker-manager-key';

async function dockerApp() {
  const store = new MemoryStore();
  const settings: LifecycleSettings = {
    ...DEFAULT_SETTINGS,
    defaultBackend: 'docker',
    defaultImage: WORKER_IMAGE,
    // Nothing listens there: the workers keep retrying their report and stay running, which is all this needs.
    orchestratorUrl: 'http://127.0.0.1:9',
  };
  const repo = new WorkerRepository(store, deadlineOf(settings));
  const { deployment_id } = await repo.deployment(() => Date.now());
  const backend = new DockerBackend({
    fetch: createDockerSocketFetch({ socketPath: dockerSocketPath() }),
    deploymentId: deployment_id,
    stopTimeoutSeconds: 1,
  });
  const ctx: LifecycleContext = {
    repo,
    backends: new BackendRegistry(new Map([['docker', backend]])),
    settings,
    clock: systemClock,
    owner: 'fleet-docker-test',
    log: silentLogger,
    deployment: once(() => repo.deployment(() => Date.now())),
    hmacKey: once(() => repo.hmacKey()),
  };
  const app = createApp({
    service: new WorkerService(ctx, { mode: 'keys', managerKeyHashes: [await sha256Hex(KEY)] }),
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return { call, backend };
}

describeWithDocker('fleet actions on a real Docker engine', probe, () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => cleanup?.(), 60_000);

  it("sleeps, wakes and deletes exactly the selected workers' containers", async () => {
    await ensureWorkerImage();
    const { call, backend } = await dockerApp();
    cleanup = async () => {
      for (const item of (await backend.list({ limit: 100 })).items)
        await backend.delete(item.ref).catch(() => {});
    };
    for (const [name, group] of [
      ['fa1', 'a'],
      ['fa2', 'a'],
      ['fb1', 'b'],
    ]) {
      expect((await call('POST', '/workers', { name, labels: { group } })).status).toBe(201);
    }
    const running = async () =>
      (await backend.list({ limit: 100 })).items
        .filter((item) => item.state === 'running')
        .map((item) => item.workerName)
        .sort();
    expect(await running()).toEqual(['fa1', 'fa2', 'fb1']);

    const slept = await call('POST', '/workers/actions/sleep', {
      selector: { labels: { group: 'a' } },
      max: 2,
    });
    expect(slept.status).toBe(200);
    expect(slept.json.results).toEqual([
      { name: 'fa1', outcome: 'began' },
      { name: 'fa2', outcome: 'began' },
    ]);
    expect(await running()).toEqual(['fb1']);

    const woke = await call('POST', '/workers/actions/wake', { selector: { names: ['fa2'] }, max: 1 });
    expect(woke.json.results).toEqual([{ name: 'fa2', outcome: 'began' }]);
    expect(await running()).toEqual(['fa2', 'fb1']);

    const deleted = await call('POST', '/workers/actions/delete', {
      selector: { labels: { group: 'a' } },
      max: 2,
    });
    expect(deleted.json.results.map((r: { outcome: string }) => r.outcome)).toEqual(['deleted', 'deleted']);
    expect((await backend.list({ limit: 100 })).items.map((item) => item.workerName)).toEqual(['fb1']);
  }, 120_000);
});
