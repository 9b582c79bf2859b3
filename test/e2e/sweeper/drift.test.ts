/**
 * Drift on the emulator and a real Docker engine: a container removed behind the orchestrator's back
 * (`docker rm -f` straight through the Engine API) is noticed by the inventory reconcile, confirmed missing by two
 * direct lookups, marked `lost` (reason `drift`) and recreated; the new container reports ready again.
 *
 * The full-scan interval is 1 s, so every explicitly triggered sweep runs an inventory pass.
 */
import { expect, it } from 'vitest';
import {
  containersOf,
  describeWithDocker,
  engine,
  inspectContainer,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();

describeWithDocker('drift on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator({ vars: { SWEEP_FULL_SCAN_INTERVAL_SECONDS: '1' } });

  it('recreates a container removed behind its back, and the new one reports ready again', async () => {
    const created = await emu.call('POST', '/workers', { body: { name: 'phoenix' } });
    expect(created.status).toBe(201);
    const ready = await until(
      () => emu.call('GET', '/workers/phoenix'),
      (reply) => reply.json.status === 'ready',
      'phoenix is ready',
    );
    const original = String(ready.json.container_id);
    // A first run verifies the record and sees its container, so the next pass has something to miss.
    await emu.triggerSweep();
    expect((await emu.call('GET', '/workers/phoenix')).json).toMatchObject({ phase: 'ready' });
    expect((await inspectContainer(original))?.State.Running).toBe(true);

    const removed = await engine(`/containers/${original}?force=1`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await inspectContainer(original)).toBeNull();

    // Each run is triggered here; the record says `lost` (then `starting`) once a pass has missed the container.
    const noticed = await until(
      async () => {
        await emu.triggerSweep();
        return (await emu.call('GET', '/workers/phoenix/events')).json.events as Record<string, unknown>[];
      },
      (events) => events.some((event) => event.to === 'lost'),
      'a sweep noticed the missing container',
    );
    expect(noticed).toContainEqual(
      expect.objectContaining({ from: 'ready', to: 'lost', reason: 'drift', actor: 'sweeper' }),
    );

    const back = await until(
      () => emu.call('GET', '/workers/phoenix'),
      (reply) => reply.json.status === 'ready' && reply.json.container_id !== original,
      'phoenix is ready again in a new container',
    );
    expect(back.json).toMatchObject({ phase: 'ready', desired: 'running' });
    const containers = await containersOf(emu.deploymentId, 'phoenix');
    expect(containers.map((container) => container.Id)).toEqual([back.json.container_id]);
    expect(containers[0]?.State.Running).toBe(true);
    expect(containers[0]?.Config.Labels['orchestrator.uid']).toBe(ready.json.uid);
  }, 60_000);
});
