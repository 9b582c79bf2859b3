/**
 * The scheduled function hosted by the emulator really sweeps: an idle worker is put to sleep and its container
 * stops, on a real Docker engine.
 */
import { expect, it } from 'vitest';
import {
  containersOf,
  describeWithDocker,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const IDLE_SECONDS = 2;

describeWithDocker('the sweeper on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator();

  it('puts a worker idle past its idle timeout to sleep and stops its container; heartbeats are not activity', async () => {
    const created = await emu.call('POST', '/workers', {
      body: { name: 'dozy', idle_timeout_seconds: IDLE_SECONDS, env: { HEARTBEAT_INTERVAL_SECONDS: '1' } },
    });
    expect(created.status).toBe(201);
    await until(
      () => emu.call('GET', '/workers/dozy'),
      (reply) => reply.json.status === 'ready',
      'the worker is ready',
    );
    // Past the idle timeout (heartbeats keep coming meanwhile), each sweep looks again until one acts.
    const slept = await until(
      async () => {
        await emu.triggerSweep();
        return (await emu.call('GET', '/workers/dozy')).json;
      },
      (worker) => worker.phase === 'sleeping',
      'the sweeper put the worker to sleep',
    );
    expect(slept).toMatchObject({ status: 'stopped', reason: 'idle' });
    const [container] = await containersOf(emu.deploymentId, 'dozy');
    expect(container?.State.Running).toBe(false);
  }, 40_000);
});
