/**
 * The Docker adapter against a real engine (the backend conformance suite plus Docker-only behaviour), and the
 * checks that need no engine at all. Without an engine the real-engine part is skipped with the reason, except
 * under CI or REQUIRE_DOCKER=1, where a missing engine fails the run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerBackend, type DockerFetch } from '../../../src/backends/docker/adapter';
import { createDockerSocketFetch } from '../../../src/backends/docker/node';
import { LABELS, resourceNameFor, type WorkerSpec } from '../../../src/backends/port';
import { BackendRejectedError, BackendUnavailableError, ValidationError } from '../../../src/errors';
import { type BackendFixture, runBackendConformance } from '../../conformance/backend.case';
import {
  dockerRequired,
  dockerSocketPath,
  ensureWorkerImage,
  probeDockerEngine,
  WORKER_IMAGE,
} from '../../support/docker-engine';

const engine = await probeDockerEngine();
const socketFetch = createDockerSocketFetch({ socketPath: dockerSocketPath() });
const runId = crypto.randomUUID().slice(0, 6);

const newDeploymentId = () => `dk${runId}-${crypto.randomUUID().slice(0, 6)}`;

const specFor = (deploymentId: string, name: string, overrides: Partial<WorkerSpec> = {}): WorkerSpec => {
  const uid = crypto.randomUUID();
  return {
    name,
    uid,
    deploymentId,
    resourceName: resourceNameFor(deploymentId, name, uid),
    image: WORKER_IMAGE,
    env: { HICLAW_WORKER_NAME: name },
    labels: { team: 'blue' },
    ...overrides,
  };
};

/** Removes every container of the adapter's deployment, page by page. */
const removeDeployment = async (backend: DockerBackend): Promise<void> => {
  for (;;) {
    const page = await backend.list({ limit: 100 });
    if (page.items.length === 0) return;
    for (const item of page.items) await backend.delete(item.ref);
  }
};

const inspect = async (name: string) => {
  const response = await socketFetch(`/containers/${name}/json`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    Name: string;
    Mounts: unknown[];
    Config: { Image: string; Env: string[]; Labels: Record<string, string> };
    HostConfig: {
      Privileged: boolean;
      Binds: string[] | null;
      CapAdd: string[] | null;
      NetworkMode: string;
      ExtraHosts: string[] | null;
      RestartPolicy: { Name: string };
    };
  };
};

const until = async <T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> => {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting until ${what}; last seen: ${JSON.stringify(last)}`);
};

describe('DockerBackend without a reachable engine', () => {
  it('fails with BackendUnavailableError saying the Docker engine is not reachable, and health says so', async () => {
    const fetch = createDockerSocketFetch({ socketPath: `/tmp/no-docker-${runId}.sock` });
    const backend = new DockerBackend({ fetch, deploymentId: 'nodock' });
    const spec = specFor('nodock', 'offline');
    const error = await backend.create(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/Docker engine is not reachable/);
    await expect(backend.status({ resourceName: spec.resourceName })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    const health = await backend.health();
    expect(health.ok).toBe(false);
    expect(health.message).toMatch(/Docker engine is not reachable/);
  });

  it('refuses a disallowed network, extra host or registry naming the field, before any engine call', async () => {
    const calls: string[] = [];
    const recording: DockerFetch = async (path) => {
      calls.push(path);
      throw new Error('no engine in this test');
    };
    const backend = new DockerBackend({
      fetch: recording,
      deploymentId: 'policy',
      networkAllowList: ['host'],
      extraHostsAllowList: ['db.internal', 'cache.internal:10.0.0.7'],
      registryAllowList: ['registry.example.com'],
    });
    const base = specFor('policy', 'strict', {
      image: 'registry.example.com/team/worker:1',
      network: 'host',
    });
    const refusals: [Partial<WorkerSpec>, string][] = [
      [{ network: 'corp-net' }, 'network'],
      [{ network: 'container:abc' }, 'network'],
      [{ extraHosts: ['evil.example:1.2.3.4'] }, 'extra_hosts'],
      [{ extraHosts: ['cache.internal:10.0.0.8'] }, 'extra_hosts'],
      [{ extraHosts: ['no-address'] }, 'extra_hosts'],
      [{ image: 'quay.io/team/worker:1' }, 'image'],
      [{ image: 'worker:1' }, 'image'],
      [{ env: { 'BAD=NAME': 'x' } }, 'env'],
    ];
    for (const [overrides, field] of refusals) {
      for (const call of [
        () => backend.create({ ...base, ...overrides }),
        () => backend.update(base, { ...base, ...overrides }),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error, JSON.stringify(overrides)).toBeInstanceOf(BackendRejectedError);
        expect((error as BackendRejectedError).field).toBe(field);
        expect((error as BackendRejectedError).status).toBe(400);
      }
    }
    expect(calls).toEqual([]);
    await expect(backend.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });
});

if (!engine.reachable && dockerRequired()) {
  describe('the Docker engine', () => {
    it('is reachable, as CI or REQUIRE_DOCKER=1 requires', () => {
      expect.fail(engine.reachable ? 'reachable' : engine.reason);
    });
  });
}

const skipNote = engine.reachable ? '' : ` (skipped: ${engine.reason})`;

describe.skipIf(!engine.reachable)(`DockerBackend on a real engine${skipNote}`, () => {
  beforeAll(ensureWorkerImage, 120_000);

  runBackendConformance('DockerBackend', async (): Promise<BackendFixture> => {
    const deploymentId = newDeploymentId();
    const backend = new DockerBackend({ fetch: socketFetch, deploymentId, stopTimeoutSeconds: 2 });
    return {
      backend,
      image: WORKER_IMAGE,
      missingImage: `orchestrator-test-missing-${runId}:latest`,
      deploymentId,
      cleanup: () => removeDeployment(backend),
    };
  });

  describe('Docker-specific behaviour', () => {
    const deploymentId = newDeploymentId();
    const backend = new DockerBackend({
      fetch: socketFetch,
      deploymentId,
      stopTimeoutSeconds: 2,
      extraHostsAllowList: ['db.internal'],
    });
    let hasBridge = false;
    const extraTags: string[] = [];

    beforeAll(async () => {
      const networks = (await (await socketFetch('/networks')).json()) as { Name: string }[];
      hasBridge = networks.some((network) => network.Name === 'bridge');
    });

    afterAll(async () => {
      await removeDeployment(backend);
      for (const tag of extraTags) await socketFetch(`/images/${tag}`, { method: 'DELETE' });
    });

    it('logs return what the container printed', async () => {
      const spec = specFor(deploymentId, 'talker');
      const { ref } = await backend.create(spec);
      const logs = await until(
        () => backend.logs(ref, { tail: 50 }),
        (text) => text.includes('not reporting readiness'),
        'the worker logged its start',
      );
      expect(logs).toContain(`[worker talker] starting (orchestrator: none)`);
      const last = await backend.logs(ref, { tail: 1 });
      expect(last.trim().split('\n')).toHaveLength(1);
    });

    it('labels the container with deployment, worker, uid and user labels; never privileged, no binds or mounts', async () => {
      const spec = specFor(deploymentId, 'labelled', {
        extraHosts: ['db.internal:10.1.2.3'],
        env: { A: '1' },
      });
      await backend.create(spec);
      const container = await inspect(spec.resourceName);
      expect(container.Config.Labels).toMatchObject({
        [LABELS.deployment]: deploymentId,
        [LABELS.worker]: 'labelled',
        [LABELS.uid]: spec.uid,
        [`${LABELS.userPrefix}team`]: 'blue',
      });
      expect(container.HostConfig.Privileged).toBe(false);
      expect(container.HostConfig.Binds ?? []).toEqual([]);
      expect(container.HostConfig.CapAdd ?? []).toEqual([]);
      expect(container.Mounts).toEqual([]);
      expect(container.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      expect(container.Config.Env).toContain('A=1');
      expect(container.HostConfig.ExtraHosts).toContain('db.internal:10.1.2.3');
      // Without a bridge network (dockerd --bridge=none) workers use the host network, where the host is 127.0.0.1.
      if (hasBridge) {
        expect(container.HostConfig.ExtraHosts).toContain('host.docker.internal:host-gateway');
      } else {
        expect(container.HostConfig.NetworkMode).toBe('host');
        expect(container.HostConfig.ExtraHosts).toContain('host.docker.internal:127.0.0.1');
      }
    });

    it('refuses an extra host outside the allow-list naming extra_hosts, leaving no container', async () => {
      const spec = specFor(deploymentId, 'sneaky', { extraHosts: ['metadata.internal:169.254.169.254'] });
      const error = await backend.create(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendRejectedError);
      expect((error as BackendRejectedError).field).toBe('extra_hosts');
      expect((await backend.status({ resourceName: spec.resourceName })).state).toBe('not_found');
    });

    it('refuses a network the engine does not have naming network, leaving no container', async () => {
      const spec = specFor(deploymentId, 'lost', { network: `no-such-net-${runId}` });
      const error = await backend.create(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendRejectedError);
      expect((error as BackendRejectedError).field).toBe('network');
      expect((await backend.status({ resourceName: spec.resourceName })).state).toBe('not_found');
    });

    it('update recreates the container under the same name with the new image and env', async () => {
      const tag = `update-${runId}`;
      const tagged = await socketFetch(
        `/images/${WORKER_IMAGE}/tag?repo=orchestrator-test-worker&tag=${tag}`,
        {
          method: 'POST',
        },
      );
      expect(tagged.status).toBe(201);
      extraTags.push(`orchestrator-test-worker:${tag}`);
      const spec = specFor(deploymentId, 'roller', { env: { GREETING: 'one' } });
      const { ref } = await backend.create(spec);
      const before = await inspect(spec.resourceName);
      const next = { ...spec, image: `orchestrator-test-worker:${tag}`, env: { GREETING: 'two' } };
      const updated = await backend.update(ref, next);
      expect(updated.ref.resourceName).toBe(spec.resourceName);
      const after = await inspect(spec.resourceName);
      expect(after.Name).toBe(`/${spec.resourceName}`);
      expect(after.Config.Image).toBe(next.image);
      expect(after.Config.Env).toContain('GREETING=two');
      expect(after.Config.Env).not.toContain('GREETING=one');
      expect(after.Config.Labels[LABELS.uid]).toBe(spec.uid);
      expect(after.Config.Image).not.toBe(before.Config.Image);
      const status = await until(
        () => backend.status(ref),
        (s) => s.state === 'running',
        'the new container runs',
      );
      expect(status.ref?.id).toBe(updated.ref.id);
      const { items } = await backend.list();
      expect(items.filter((item) => item.workerName === 'roller')).toHaveLength(1);
    });

    it('an update killed after starting the new container leaves one running container of the uid once re-driven', async () => {
      // The bug: update started `<name>-next-<random>` and only then removed the old container and renamed the
      // new one. A function killed in that window left the random-named successor running; the re-drive made
      // another successor (a new random name), so two containers of one uid ran and nothing ever noticed.
      const spec = specFor(deploymentId, 'crashed', { env: { GREETING: 'one' } });
      const { ref } = await backend.create(spec);
      let killed = false;
      let started = false;
      // The function dies at its first request after the new container was started (removing the old one).
      const dying: DockerFetch = async (path, init) => {
        if (killed) throw new Error('the function was killed');
        if (init?.method === 'DELETE' && started) {
          killed = true;
          throw new Error('the function was killed');
        }
        const response = await socketFetch(path, init);
        if (init?.method === 'POST' && /\/containers\/[0-9a-f]{64}\/start$/.test(path)) started = true;
        return response;
      };
      const doomed = new DockerBackend({ fetch: dying, deploymentId, stopTimeoutSeconds: 2 });
      await expect(doomed.update(ref, { ...spec, env: { GREETING: 'two' } })).rejects.toThrow();
      expect(killed).toBe(true);

      // The re-drive (another function) updates again, and the old incarnation's leftovers are accounted for.
      await backend.update(ref, { ...spec, env: { GREETING: 'three' } });

      const mine = async () =>
        (await (
          await socketFetch(
            `/containers/json?all=1&filters=${encodeURIComponent(
              JSON.stringify({ label: [`${LABELS.uid}=${spec.uid}`] }),
            )}`,
          )
        ).json()) as { Names: string[]; State: string }[];
      const running = (await mine()).filter((c) => c.State === 'running');
      expect(running.map((c) => c.Names[0])).toEqual([`/${spec.resourceName}`]);
      expect((await inspect(spec.resourceName)).Config.Env).toContain('GREETING=three');
    });

    it('an update whose round is aborted while starting the new container starts nothing again', async () => {
      // Review finding: the rollback of a failed update restarted the old container even when the failure was the
      // round's own abort at its deadline, so an abandoned round could start a worker another holder had slept.
      const spec = specFor(deploymentId, 'aborted', { env: { GREETING: 'one' } });
      const { ref } = await backend.create(spec);
      const round = new AbortController();
      // The round's deadline passes as the new container is being started; later calls reach the engine.
      const aborting: DockerFetch = async (path, init) => {
        if (
          !round.signal.aborted &&
          init?.method === 'POST' &&
          /\/containers\/[0-9a-f]{64}\/start$/.test(path)
        ) {
          round.abort(new Error('deadline'));
          throw new DOMException('The operation was aborted', 'AbortError');
        }
        return socketFetch(path, init);
      };
      const late = new DockerBackend({ fetch: aborting, deploymentId, stopTimeoutSeconds: 2 });
      await expect(late.update(ref, { ...spec, env: { GREETING: 'two' } }, round.signal)).rejects.toThrow();
      const running = (
        (await (
          await socketFetch(
            `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [`${LABELS.uid}=${spec.uid}`] }))}`,
          )
        ).json()) as unknown[]
      ).length;
      expect(running).toBe(0);
    });

    it('an update whose new container started unanswered and could not be removed never restarts the old one beside it', async () => {
      // The bug: the rollback removed the successor best-effort and restarted the old container whatever came of
      // it; when the start had landed (its answer lost) and the removal failed, both ran.
      const spec = specFor(deploymentId, 'rollback', { env: { GREETING: 'one' } });
      const { ref } = await backend.create(spec);
      let successor: string | undefined;
      const flaky: DockerFetch = async (path, init) => {
        const start = /\/containers\/([0-9a-f]{64})\/start$/.exec(path);
        if (init?.method === 'POST' && start && successor === undefined) {
          successor = start[1];
          await socketFetch(path, init); // it starts, but its answer is lost
          throw new Error('connection reset');
        }
        if (init?.method === 'DELETE' && successor && path.includes(successor))
          throw new Error('connection reset');
        return socketFetch(path, init);
      };
      const shaky = new DockerBackend({ fetch: flaky, deploymentId, stopTimeoutSeconds: 2 });
      await expect(shaky.update(ref, { ...spec, env: { GREETING: 'two' } })).rejects.toThrow();
      const running = (await (
        await socketFetch(
          `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [`${LABELS.uid}=${spec.uid}`] }))}`,
        )
      ).json()) as unknown[];
      expect(running.length).toBeLessThanOrEqual(1);
    });

    it('the worker reports ready with its bearer key, retries through orchestrator errors, and never logs the key', async () => {
      const name = 'reporter';
      const key = `hc_${name}_${'ab12'.repeat(16)}`;
      const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
      const server: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
          res.writeHead(seen.length <= 2 ? 503 : 204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const spec = specFor(deploymentId, name, {
          network: 'host',
          env: {
            HICLAW_ORCHESTRATOR_URL: `http://127.0.0.1:${port}`,
            HICLAW_WORKER_NAME: name,
            HICLAW_WORKER_API_KEY: key,
            HEARTBEAT_INTERVAL_SECONDS: '1',
          },
        });
        const { ref } = await backend.create(spec);
        await until(
          async () => seen.length,
          (n) => n >= 4,
          'a ready report and a heartbeat arrived after two errors',
        );
        for (const request of seen) {
          expect(request).toEqual({
            method: 'POST',
            url: `/workers/${name}/ready`,
            auth: `Bearer ${key}`,
            body: '{}',
          });
        }
        const logs = await backend.logs(ref, { tail: 100 });
        expect(logs).toMatch(/ready report not accepted: the orchestrator answered 503/);
        expect(logs).toContain('reported ready');
        expect(logs).not.toContain(key);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('console port mapping', () => {
    const deploymentId = newDeploymentId();
    let base = 0;
    let backend: DockerBackend;

    const portIsFree = (port: number) =>
      new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(false));
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
      });

    beforeAll(async () => {
      do base = 41_000 + Math.floor(Math.random() * 8_000);
      while (!(await portIsFree(base)) || !(await portIsFree(base + 1)));
      backend = new DockerBackend({
        fetch: socketFetch,
        deploymentId,
        stopTimeoutSeconds: 2,
        consolePort: 8080,
        consolePortRange: { min: base, max: base + 1 },
      });
    });

    afterAll(() => removeDeployment(backend));

    it('gives each worker its own free host port, reports it, and the console answers there', async () => {
      // The console binds loopback only, like every server in these tests.
      const env = (name: string) => ({ HICLAW_WORKER_NAME: name, WORKER_CONSOLE_BIND: '127.0.0.1' });
      const first = specFor(deploymentId, 'console-a', { env: env('console-a') });
      const second = specFor(deploymentId, 'console-b', { env: env('console-b') });
      const a = await backend.create(first);
      const b = await backend.create(second);
      expect([a.consoleHostPort, b.consoleHostPort].sort()).toEqual([base, base + 1]);
      expect((await backend.status(a.ref)).consoleHostPort).toBe(a.consoleHostPort);
      const container = await inspect(first.resourceName);
      const expectedPort = container.HostConfig.NetworkMode === 'host' ? a.consoleHostPort : 8080;
      expect(container.Config.Env).toContain(`WORKER_CONSOLE_PORT=${expectedPort}`);
      const page = await until(
        () => fetch(`http://127.0.0.1:${a.consoleHostPort}/`).then((r) => r.text()),
        (text) => text.includes('worker console-a'),
        'the console answers',
      );
      expect(page).toContain('<h1>worker console-a</h1>');

      // Both ports of the range are held (also by a stopped worker): a third worker is refused, nothing is left.
      await backend.stop(b.ref);
      const third = specFor(deploymentId, 'console-c', { env: env('console-c') });
      const error = await backend.create(third).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toMatch(/no free console host port/);
      expect((await backend.status({ resourceName: third.resourceName })).state).toBe('not_found');
    });
  });
});
