/**
 * The local emulator itself (`npm start`): what it does without a Docker engine, its manager key and persisted
 * state, the auth guard, and the sweeper timer. None of this needs an engine; the socket path points nowhere.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { banner } from '../../../infra/emulator/banner';
import { startEmulator } from '../../../infra/emulator/emulator';
import { emulatorOptionsFromEnv } from '../../../infra/emulator/options';
import { startTestEmulator, type TestEmulator, until } from '../../support/emulator';

const NO_ENGINE = join(tmpdir(), `no-docker-here-${crypto.randomUUID().slice(0, 8)}.sock`);
const started: TestEmulator[] = [];

const start = async (options: Parameters<typeof startTestEmulator>[0] = {}) => {
  const emu = await startTestEmulator({ socketPath: NO_ENGINE, ...options });
  started.push(emu);
  return emu;
};

/** Scheduled runs that ended without an exception in the worker's `scheduled` handler (it runs the sweeper). */
const sweepsIn = (emu: TestEmulator) => emu.emulator.sweepsCompleted();

afterEach(async () => {
  for (const emu of started.splice(0)) await emu.stop();
});

describe('the local emulator', () => {
  it('starts without a Docker engine, says why, and answers a create with 503 naming the unreachable engine', async () => {
    const emu = await start();
    expect(emu.emulator.docker).toMatchObject({ reachable: false });
    const printed = banner(emu.emulator);
    expect(printed).toContain(`WARNING: no Docker engine answers at ${NO_ENGINE}`);
    expect(printed).toContain('creating a docker worker answers 503');

    const created = await emu.call('POST', '/workers', { body: { name: 'nodock' } });
    expect(created.status).toBe(503);
    expect(created.headers.get('retry-after')).not.toBeNull();
    expect(created.json.code).toBe('backend_unavailable');
    expect(created.json.message).toContain(`the Docker engine is not reachable at ${NO_ENGINE}`);
    expect((await emu.call('GET', '/workers/nodock')).status).toBe(404);

    const health = await emu.call('GET', '/healthz');
    expect(health.json.backends).toEqual([expect.objectContaining({ name: 'docker', ok: false })]);
  }, 30_000);

  it('makes a manager key on first start, keeps it owner-only, and keeps key and state across a restart', async () => {
    const first = await start({ vars: { BACKENDS: 'fake' } });
    expect(first.managerKey.length).toBeGreaterThanOrEqual(32);
    expect(first.emulator.managerKeyCreated).toBe(true);
    const file = join(first.dataDir, 'manager-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(banner(first.emulator)).toContain(first.managerKey);
    expect((await first.call('POST', '/workers', { body: { name: 'kept' } })).status).toBe(201);
    expect((await first.call('GET', '/workers', { key: null })).status).toBe(401);
    await first.stop({ keepData: true });
    started.splice(started.indexOf(first), 1);

    const again = await start({ vars: { BACKENDS: 'fake' }, dataDir: first.dataDir });
    expect(again.managerKey).toBe(first.managerKey);
    expect(again.emulator.managerKeyCreated).toBe(false);
    expect(again.deploymentId).toBe(first.deploymentId);
    const kept = await again.call('GET', '/workers/kept');
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ name: 'kept', backend: 'fake' });
  }, 30_000);

  it('closes the connection after a 204 when the request asked for Connection: close', async () => {
    // Regression: workerd's own listener ignored `Connection: close` and held the connection for 5 s. Busybox
    // wget (the reference worker's client) reads a body-less 204 until the connection ends, so every readiness
    // report and heartbeat hung 5 s and `docker stop` waited for it. The Node front door closes at once.
    const emu = await start({ vars: { BACKENDS: 'fake' } });
    const { port } = new URL(emu.url);
    const raw = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `DELETE /workers/nobody HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nAuthorization: Bearer ${emu.managerKey}\r\n\r\n`,
        ),
      );
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 204 /);
    expect(raw.toLowerCase()).toContain('connection: close');
  }, 30_000);

  it('answers only the Host names it listens under, so a rebound DNS name reaches nothing, auth off included', async () => {
    // A page on attacker.example re-points its name at 127.0.0.1 and becomes same-origin with the emulator.
    const emu = await start({ vars: { BACKENDS: 'fake', AUTH_MODE: 'off' } });
    const { port } = new URL(emu.url);
    const ask = (host: string, init: { method?: string; body?: string; type?: string } = {}) =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        const body = init.body ?? '';
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(
            `${init.method ?? 'GET'} /workers HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n` +
              `${init.type ? `Content-Type: ${init.type}\r\n` : ''}Content-Length: ${body.length}\r\n\r\n${body}`,
          ),
        );
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    expect(await ask(`attacker.example:${port}`)).toMatch(/^HTTP\/1\.1 403 /);
    expect(await ask(`localhost:${port}`)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await ask('evil.example/x?')).toMatch(/^HTTP\/1\.1 400 /);
    // A "simple" cross-site POST (text/plain) creates nothing, even with auth off.
    const simple = await ask(`127.0.0.1:${port}`, {
      method: 'POST',
      body: '{"name":"csrf"}',
      type: 'text/plain',
    });
    expect(simple).toMatch(/^HTTP\/1\.1 415 /);
  }, 30_000);

  it('switches auth off only with AUTH_MODE=off on a loopback address', async () => {
    const open = await start({ vars: { BACKENDS: 'fake', AUTH_MODE: 'off' } });
    expect((await open.call('GET', '/workers', { key: null })).status).toBe(200);
    expect((await open.call('GET', '/healthz')).json.auth).toBe('off');

    const exposed = startEmulator({
      ...emulatorOptionsFromEnv({ AUTH_MODE: 'off', BACKENDS: 'fake', HOST: '0.0.0.0', PORT: '0' }),
      dataDir: join(tmpdir(), 'never-created'),
    });
    await expect(exposed).rejects.toThrow(
      /AUTH_MODE=off is allowed only when the emulator listens on loopback/,
    );
  }, 30_000);

  it('refuses AUTH_MODE=off beside Docker workers that can share the host network, and allows it where none can', async () => {
    // A worker on the host network reaches the emulator on loopback like any local process: with auth off it
    // could manage every worker.
    const dataDir = await mkdtemp(join(tmpdir(), 'orchestrator-auth-off-'));
    const attempt = (vars: Record<string, string>) =>
      startEmulator({
        ...emulatorOptionsFromEnv({
          AUTH_MODE: 'off',
          PORT: '0',
          DOCKER_HOST: `unix://${NO_ENGINE}`,
          ...vars,
        }),
        dataDir,
        sweepIntervalSeconds: 0,
        onLog: () => undefined,
      });
    try {
      await expect(attempt({})).rejects.toThrow(
        /AUTH_MODE=off is refused with the docker backend when workers join the host network \(DOCKER_DEFAULT_NETWORK=host\)/,
      );
      await expect(attempt({ DOCKER_DEFAULT_NETWORK: 'workers' })).rejects.toThrow(
        /DOCKER_ALLOWED_NETWORKS is not set/,
      );
      await expect(
        attempt({ DOCKER_DEFAULT_NETWORK: 'workers', DOCKER_ALLOWED_NETWORKS: 'workers,host' }),
      ).rejects.toThrow(/DOCKER_ALLOWED_NETWORKS allows it/);
      // Without a bridge network the Docker backend runs `bridge` workers on the host network.
      await expect(
        attempt({ DOCKER_DEFAULT_NETWORK: 'bridge', DOCKER_ALLOWED_NETWORKS: 'bridge' }),
      ).rejects.toThrow(/no bridge network was found/);

      const isolated = await attempt({
        DOCKER_DEFAULT_NETWORK: 'workers',
        DOCKER_ALLOWED_NETWORKS: 'workers',
      });
      try {
        expect(isolated.authMode).toBe('off');
        expect((await fetch(`${isolated.url}/workers`)).status).toBe(200);
      } finally {
        await isolated.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('puts Docker workers on the host network by default, gives them its own URL, and says so', async () => {
    const emu = await start();
    expect(emu.emulator.workerNetwork).toBe('host');
    expect(emu.emulator.workerUrl).toBe(emu.url);
    const printed = banner(emu.emulator);
    expect(printed).toContain(
      'workers:   network host unless a create names another (DOCKER_DEFAULT_NETWORK)',
    );
    expect(printed).toContain(`they reach the emulator at ${emu.url} (HICLAW_ORCHESTRATOR_URL)`);
    expect(printed).not.toMatch(/WARNING: workers on network/);
  }, 30_000);

  it('tells bridge workers to use host.docker.internal and warns that a loopback listener is out of their reach', async () => {
    const bridged = await start({ vars: { DOCKER_DEFAULT_NETWORK: 'bridge' } });
    const { port } = new URL(bridged.url);
    expect(bridged.emulator.workerNetwork).toBe('bridge');
    expect(bridged.emulator.workerUrl).toBe(`http://host.docker.internal:${port}`);
    expect(bridged.emulator.workerNetworkWarning).toMatch(
      /^workers on network bridge are told to reach the emulator at http:\/\/host\.docker\.internal:\d+, but it listens on 127\.0\.0\.1 alone/,
    );
    expect(banner(bridged.emulator)).toContain(
      'WARNING: workers on network bridge are told to reach the emulator',
    );

    const chosen = await start({
      vars: { DOCKER_DEFAULT_NETWORK: 'bridge', ORCHESTRATOR_URL: 'http://10.1.2.3:8787' },
    });
    expect(chosen.emulator.workerUrl).toBe('http://10.1.2.3:8787');
    expect(chosen.emulator.workerNetworkWarning).toBeUndefined();
  }, 30_000);

  it('reaches the engine over its unix socket only: a TCP DOCKER_HOST is refused', () => {
    expect(() => emulatorOptionsFromEnv({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toThrow(/unix socket only/);
    expect(emulatorOptionsFromEnv({ DOCKER_HOST: 'unix:///tmp/d.sock' }).socketPath).toBe('/tmp/d.sock');
  });

  it('fires the scheduled (sweeper) function on its timer', async () => {
    const emu = await start({ vars: { BACKENDS: 'fake' }, sweepIntervalSeconds: 1 });
    await until(
      async () => sweepsIn(emu),
      (count) => count >= 2,
      'two timed sweeps ran',
      10_000,
    );
  }, 30_000);

  it('fires the scheduled (sweeper) function on demand, and never by itself when the timer is off', async () => {
    const emu = await start({ vars: { BACKENDS: 'fake' }, sweepIntervalSeconds: 0 });
    await emu.triggerSweep();
    await until(
      async () => sweepsIn(emu),
      (count) => count === 1,
      'the triggered sweep logged',
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sweepsIn(emu)).toBe(1);
  }, 30_000);
});
