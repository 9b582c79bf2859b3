/**
 * Expiry on the emulator and a real Docker engine: `expires_at` is a hard limit,
 * and the scheduled run that follows it deletes the worker (reason `ttl`) — or, under deletion protection, puts
 * it to sleep instead with a `ttl_blocked` event. Sweeps are triggered explicitly, so each step is observed once
 * the sweeper has run; what it decided is read back from the API and from the engine itself.
 */
import { expect, it } from 'vitest';
import {
  containersOf,
  describeWithDocker,
  inspectContainer,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
/** How far ahead `expires_at` is moved once the worker is ready: room for one sweep that must not act. */
const EXPIRES_IN_MS = 5_000;

describeWithDocker('expiry on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator();

  /** Creates a worker, waits until it reports ready, then moves its `expires_at` a few seconds ahead. */
  async function readyThenExpiring(name: string, body: Record<string, unknown> = {}) {
    const created = await emu.call('POST', '/workers', { body: { name, ...body } });
    expect(created.status).toBe(201);
    const ready = await until(
      () => emu.call('GET', `/workers/${name}`),
      (reply) => reply.json.status === 'ready',
      `${name} is ready`,
    );
    // `ttl_seconds` is at least 60 s; a time a few seconds ahead is the short form a test can wait for.
    const expiresAt = new Date(Date.now() + EXPIRES_IN_MS).toISOString();
    const patched = await emu.call('PATCH', `/workers/${name}`, { body: { expires_at: expiresAt } });
    expect(patched.status).toBe(200);
    expect(Date.parse(patched.json.expires_at)).toBe(Date.parse(expiresAt));
    return { containerId: String(ready.json.container_id), expiresAt: Date.parse(expiresAt) };
  }

  /** Waits (on the wall clock) until `at` has passed, then one scheduled run. */
  async function sweepAfter(at: number) {
    const wait = at - Date.now() + 250;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await emu.triggerSweep();
  }

  it('deletes a worker whose expires_at has passed: the container is gone, GET is 404, the event says ttl', async () => {
    const { containerId, expiresAt } = await readyThenExpiring('brief');
    const planned = (await emu.call('GET', '/workers/brief')).json;
    expect(planned.next_action).toEqual({ kind: 'delete', at: new Date(expiresAt).toISOString() });

    // A run before the deadline leaves the worker alone: the sweeper acts on expiry, not on sight.
    await emu.triggerSweep();
    expect(Date.now(), 'the early sweep finished before expires_at (test precondition)').toBeLessThan(
      expiresAt,
    );
    expect((await emu.call('GET', '/workers/brief')).json).toMatchObject({ phase: 'ready' });
    expect((await inspectContainer(containerId))?.State.Running).toBe(true);

    await sweepAfter(expiresAt);

    const gone = await emu.call('GET', '/workers/brief');
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ name: 'brief', status: 'not_found' });
    expect(await inspectContainer(containerId)).toBeNull();
    expect(await containersOf(emu.deploymentId, 'brief')).toEqual([]);
    const events = (await emu.call('GET', '/workers/brief/events')).json.events as Record<string, unknown>[];
    expect(events).toContainEqual(
      expect.objectContaining({ to: 'deleting', reason: 'ttl', actor: 'sweeper' }),
    );
  }, 60_000);

  it('puts an expired worker under deletion protection to sleep instead, with a ttl_blocked event', async () => {
    const { containerId, expiresAt } = await readyThenExpiring('guarded', { deletion_protection: true });
    expect((await emu.call('GET', '/workers/guarded')).json.next_action).toEqual({
      kind: 'sleep',
      at: new Date(expiresAt).toISOString(),
    });

    await sweepAfter(expiresAt);

    const worker = await emu.call('GET', '/workers/guarded');
    expect(worker.status).toBe(200);
    expect(worker.json).toMatchObject({
      phase: 'sleeping',
      status: 'stopped',
      reason: 'ttl_blocked',
      deletion_protection: true,
    });
    const container = await inspectContainer(containerId);
    expect(container, 'a protected worker keeps its container').not.toBeNull();
    expect(container?.State.Running).toBe(false);
    const events = (await emu.call('GET', '/workers/guarded/events')).json.events as Record<
      string,
      unknown
    >[];
    expect(events).toContainEqual(
      expect.objectContaining({ from: 'ready', to: 'stopping', reason: 'ttl_blocked', actor: 'sweeper' }),
    );
    expect(events.some((event) => event.to === 'deleting')).toBe(false);
    // Expiry is a hard limit: the protected worker cannot be woken past it either.
    const wake = await emu.call('POST', '/workers/guarded/wake');
    expect(wake.status).toBe(409);
    expect(wake.json.code).toBe('expired');
  }, 60_000);
});
