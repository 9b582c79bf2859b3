/**
 * The awkward moments of a worker's life, on the emulator and a real Docker engine (issue 3, item 6): an image
 * that does not exist, a delete that lands while the worker is starting, and two wakes at once.
 */
import { expect, it } from 'vitest';
import {
  containersOf,
  describeWithDocker,
  engine,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const FAST_BEATS = { HEARTBEAT_INTERVAL_SECONDS: '1' };

describeWithDocker('worker edge cases on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator();
  const get = async (name: string) => emu.call('GET', `/workers/${name}`);

  it('a missing image is a 400 naming the image, and leaves no worker and no container behind', async () => {
    const image = `orchestrator-missing-${crypto.randomUUID().slice(0, 8)}:latest`;
    const created = await emu.call('POST', '/workers', { body: { name: 'ghost', image, env: FAST_BEATS } });
    expect(created.status).toBe(400);
    expect(created.json).toMatchObject({ field: 'image', code: 'image_not_found' });
    expect(created.json.message).toContain(image);
    expect((await get('ghost')).status).toBe(404);
    expect(await containersOf(emu.deploymentId, 'ghost')).toEqual([]);
    // The name is free again: nothing half-made holds it.
    const retried = await emu.call('POST', '/workers', { body: { name: 'ghost', env: FAST_BEATS } });
    expect(retried.status).toBe(201);
    expect((await emu.call('DELETE', '/workers/ghost')).status).toBe(204);
  }, 40_000);

  it('a delete that lands while the worker is starting leaves no container and no record', async () => {
    // A health check that never passes keeps the worker in `starting` for as long as the test needs.
    const body = { name: 'hasty', env: { ...FAST_BEATS, WORKER_HEALTH_CMD: 'false' } };
    const creating = emu.call('POST', '/workers', { body });
    await until(
      () => get('hasty'),
      (reply) => reply.status === 200,
      'the record exists',
      10_000,
    );
    expect((await get('hasty')).json.status).toBe('starting');
    expect((await emu.call('DELETE', '/workers/hasty')).status).toBe(204);
    expect([201, 409]).toContain((await creating).status);

    await until(
      () => get('hasty'),
      (reply) => reply.status === 404,
      'the record is gone',
    );
    await until(
      () => containersOf(emu.deploymentId, 'hasty'),
      (list) => list.length === 0,
      'no container',
    );
  }, 40_000);

  it('two concurrent wakes of a sleeping worker start its container once', async () => {
    expect((await emu.call('POST', '/workers', { body: { name: 'twins', env: FAST_BEATS } })).status).toBe(
      201,
    );
    await until(
      () => get('twins'),
      (reply) => reply.json.status === 'ready',
      'the worker is ready',
    );
    await emu.call('POST', '/workers/twins/stop');
    await until(
      () => get('twins'),
      (reply) => reply.json.phase === 'sleeping',
      'the worker sleeps',
    );
    const [container] = await containersOf(emu.deploymentId, 'twins');
    expect(container?.State.Running).toBe(false);

    const wakes = await Promise.all([
      emu.call('POST', '/workers/twins/start'),
      emu.call('POST', '/workers/twins/start'),
    ]);
    // One request began the wake (202); the other found the worker already waking (200).
    expect(wakes.map((reply) => reply.status).sort()).toEqual([200, 202]);
    await until(
      () => get('twins'),
      (reply) => reply.json.status === 'ready',
      'the woken worker is ready',
    );

    // The engine's own event log: one start at create, exactly one more for the two wakes.
    const starts = await startEventsOf(container!.Id, Date.parse(container!.Created));
    expect(starts).toBe(2);
    expect(await containersOf(emu.deploymentId, 'twins')).toHaveLength(1);
  }, 40_000);
});

/** Counts the engine's `start` events for a container since it was created (a bounded, non-streaming query). */
async function startEventsOf(id: string, createdAtMs: number): Promise<number> {
  const since = Math.floor(createdAtMs / 1000) - 1;
  const until = Math.ceil(Date.now() / 1000) + 1;
  const filters = encodeURIComponent(JSON.stringify({ container: [id], event: ['start'] }));
  const response = await engine(`/events?since=${since}&until=${until}&filters=${filters}`);
  expect(response.status).toBe(200);
  const lines = (await response.text()).split('\n').filter((line) => line.trim() !== '');
  return lines.length;
}
