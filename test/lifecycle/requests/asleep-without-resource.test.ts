/**
 * A sleep that removes the resource (HiClaw's `state: Stopped`), workers created asleep, and unmanaged workers:
 * all three live in the lifecycle's one desired-state machine (`desired: sleeping`), so the driver, the sweeper
 * and readiness treat them like any sleeping worker.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { type AppHarness, makeApp, reportReady } from '../../support/app-harness';

let h: AppHarness;
beforeEach(async () => {
  h = await makeApp();
});

const record = async (name: string) => (await h.repo.read(name))?.value;
const resources = () => h.backend.allResources();

describe('a sleep that removes the resource', () => {
  it('deletes the resource, keeps the record, and a wake creates a new resource that can become ready', async () => {
    await h.service.create({ name: 'alice' }, MANAGER);
    expect(resources()).toHaveLength(1);

    const stopped = await h.service.sleep('alice', MANAGER, { removeResource: true });
    expect(stopped.worker).toMatchObject({
      phase: 'sleeping',
      desired: 'sleeping',
      sleep_removes_resource: true,
    });
    expect(resources()).toHaveLength(0);
    await expect(record('alice')).resolves.toMatchObject({ kind: 'worker', phase: 'sleeping' });

    const woken = await h.service.wake('alice', MANAGER);
    expect(woken.worker.phase).toBe('starting');
    expect(woken.worker.sleep_removes_resource).toBeUndefined();
    expect(resources()).toHaveLength(1);
    // The recreated resource carries a newly minted key; the worker reports with it.
    const key = resources()[0]!.spec.env.HICLAW_WORKER_API_KEY!;
    expect((await reportReady(h, 'alice', key)).status).toBe(204);
    expect(await record('alice')).toMatchObject({ phase: 'ready' });
  });

  it('a later plain sleep (an idle one, say) stops the resource and keeps it: the removal is not inherited', async () => {
    await h.service.create({ name: 'alice' }, MANAGER);
    await h.service.sleep('alice', MANAGER, { removeResource: true });
    await h.service.wake('alice', MANAGER);
    const slept = await h.service.sleep('alice', MANAGER);
    expect(slept.worker.phase).toBe('sleeping');
    expect(slept.worker.sleep_removes_resource).toBeUndefined();
    expect(resources()).toHaveLength(1);
    expect(resources()[0]!.running).toBe(false);
  });

  it('asking for removal of a worker already asleep removes its stopped resource; asking again changes nothing', async () => {
    await h.service.create({ name: 'alice' }, MANAGER);
    await h.service.sleep('alice', MANAGER);
    expect(resources()).toHaveLength(1);
    expect((await h.service.sleep('alice', MANAGER, { removeResource: true })).began).toBe(true);
    expect(resources()).toHaveLength(0);
    expect((await h.service.sleep('alice', MANAGER, { removeResource: true })).began).toBe(false);
  });
});

describe('a worker created asleep', () => {
  it.each(['sleeping', 'stopped'] as const)(
    'as %s makes no backend call and settles as sleeping',
    async (state) => {
      const created = await h.service.create({ name: 'bob', initial_state: state }, MANAGER);
      expect(created.worker).toMatchObject({ phase: 'sleeping', desired: 'sleeping' });
      expect(h.backend.calls.filter((c) => c.step !== 'status')).toEqual([]);
      expect(resources()).toHaveLength(0);
      await h.service.wake('bob', MANAGER);
      expect(resources()).toHaveLength(1);
    },
  );
});

describe('an unmanaged worker', () => {
  it('is recorded, never started, and refuses a wake with 409 unmanaged', async () => {
    const created = await h.service.create({ name: 'carol', unmanaged: true }, MANAGER);
    expect(created.worker).toMatchObject({ phase: 'sleeping', unmanaged: true });
    await expect(h.service.wake('carol', MANAGER)).rejects.toMatchObject({ status: 409, code: 'unmanaged' });
    await expect(h.service.ensureReady('carol', MANAGER, 0)).rejects.toMatchObject({ code: 'unmanaged' });
    expect(h.backend.calls.filter((c) => c.step !== 'status')).toEqual([]);
  });
});

describe('the agent profile', () => {
  it('is handed to the worker as HICLAW_WORKER_SPEC, with the controller-contract variables, and a change rolls it', async () => {
    await h.service.create({ name: 'dan', profile: { model: 'qwen', skills: ['a'] } }, MANAGER);
    const env = resources()[0]!.spec.env;
    expect(JSON.parse(env.HICLAW_WORKER_SPEC!)).toEqual({ model: 'qwen', skills: ['a'] });
    expect(env).toMatchObject({ HICLAW_WORKER_CR_NAME: 'dan', HICLAW_WORKER_NAME: 'dan' });
    expect(env.HICLAW_AUTH_TOKEN).toBe(env.HICLAW_WORKER_API_KEY);
    expect(env.HICLAW_CONTROLLER_URL).toBe(env.HICLAW_ORCHESTRATOR_URL);

    const same = await h.service.update('dan', { profile: { skills: ['a'], model: 'qwen' } }, MANAGER);
    expect(same.began).toBe(false);
    const changed = await h.service.update('dan', { profile: { model: 'other' } }, MANAGER);
    expect(changed.began).toBe(true);
    expect(JSON.parse(resources()[0]!.spec.env.HICLAW_WORKER_SPEC!)).toEqual({ model: 'other' });
    expect(changed.worker.profile).toEqual({ model: 'other' });
  });
});
