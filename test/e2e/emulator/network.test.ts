/**
 * Where the emulator's Docker workers run and how they reach it back, on a real engine. Workers default to the host
 * network, where the emulator's loopback URL is theirs too; before, they defaulted to `bridge` on engines that have
 * one and were given `http://127.0.0.1:<port>`, which inside a bridge container is the container itself, so they
 * never turned ready. Also: an allow-list set but empty allows nothing.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ensureWorkerImage } from '../../support/docker-engine';
import {
  containersOf,
  describeWithDocker,
  engine,
  envOf,
  probeDockerEngine,
  startTestEmulator,
  type TestEmulator,
  until,
} from '../../support/emulator';

const probe = await probeDockerEngine();

interface HostSide {
  HostConfig: { NetworkMode: string; ExtraHosts: string[] | null };
}

describeWithDocker('Docker workers and the network they reach the emulator over', probe, () => {
  const started: TestEmulator[] = [];
  let engineHasBridge = false;

  const start = async (vars: Record<string, string> = {}) => {
    const emu = await startTestEmulator({ vars });
    started.push(emu);
    return emu;
  };
  const hostSide = async (id: string) => (await (await engine(`/containers/${id}/json`)).json()) as HostSide;
  const readyWorker = (emu: TestEmulator, name: string) =>
    until(
      async () => (await emu.call('GET', `/workers/${name}`)).json,
      (worker) => worker.status === 'ready',
      `worker ${name} is ready`,
    );

  beforeAll(async () => {
    await ensureWorkerImage();
    const filters = encodeURIComponent(JSON.stringify({ name: ['bridge'] }));
    const networks = (await (await engine(`/networks?filters=${filters}`)).json()) as { Name: string }[];
    engineHasBridge = networks.some((network) => network.Name === 'bridge');
  }, 120_000);

  afterEach(async () => {
    for (const emu of started.splice(0)) await emu.stop();
  });

  it('runs workers on the host network by default, whatever the engine has, and they report ready', async () => {
    const emu = await start();
    const created = await emu.call('POST', '/workers', { body: { name: 'homebody' } });
    expect(created.status).toBe(201);
    const [container] = await containersOf(emu.deploymentId, 'homebody');
    expect((await hostSide(container!.Id)).HostConfig.NetworkMode).toBe('host');
    expect(envOf(container!, 'HICLAW_ORCHESTRATOR_URL')).toBe(emu.url);
    await readyWorker(emu, 'homebody');
  });

  it('gives workers of another default network host.docker.internal, which the adapter maps to the host', async () => {
    const emu = await start({ DOCKER_DEFAULT_NETWORK: 'bridge' });
    const { port } = new URL(emu.url);
    const created = await emu.call('POST', '/workers', { body: { name: 'bridged' } });
    expect(created.status).toBe(201);
    const [container] = await containersOf(emu.deploymentId, 'bridged');
    expect(envOf(container!, 'HICLAW_ORCHESTRATOR_URL')).toBe(`http://host.docker.internal:${port}`);
    const { HostConfig } = await hostSide(container!.Id);
    if (engineHasBridge) {
      // A real bridge: the loopback-only emulator is out of its reach, as the banner warns; nothing more to see.
      expect(HostConfig).toMatchObject({ NetworkMode: 'bridge' });
      expect(emu.emulator.workerNetworkWarning).toContain('they will never report ready');
      expect(HostConfig.ExtraHosts).toContain('host.docker.internal:host-gateway');
    } else {
      // No bridge (dockerd --bridge=none): the adapter falls back to host, where the alias is loopback.
      expect(HostConfig).toMatchObject({ NetworkMode: 'host' });
      expect(emu.emulator.workerNetworkWarning).toBeUndefined();
      expect(HostConfig.ExtraHosts).toContain('host.docker.internal:127.0.0.1');
      await readyWorker(emu, 'bridged');
    }
  });

  it('refuses every image when DOCKER_ALLOWED_REGISTRIES is set but empty, and makes no container', async () => {
    // Regression: an empty allow-list was read as unset, which allows every registry.
    const emu = await start({ DOCKER_ALLOWED_REGISTRIES: '' });
    const refused = await emu.call('POST', '/workers', { body: { name: 'nowhere' } });
    expect(refused.status).toBe(400);
    expect(refused.json.code).toBe('registry_not_allowed');
    expect(refused.json.message).toContain('not in the allowed registries (none)');
    expect(await containersOf(emu.deploymentId, 'nowhere')).toEqual([]);
  });
});
