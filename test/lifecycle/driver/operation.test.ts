/**
 * The driver's own boots: whenever it starts an instance itself, readiness must wait for a report from THAT
 * instance — never accept the previous one, never refuse the new one.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBackend } from '../../../src/backends/fake';
import { BackendUnavailableError } from '../../../src/errors';
import { Driver } from '../../../src/lifecycle/driver/operation';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { takeLeaseIfFree, transition } from '../../../src/lifecycle/model/transitions';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { createWorker } from '../../../src/lifecycle/requests/create';
import { deleteWorker } from '../../../src/lifecycle/requests/delete';
import { sleep } from '../../../src/lifecycle/requests/wake-sleep';
import {
  createReady,
  eventsOf,
  HookedStore,
  makeHarness,
  recordOf,
  sibling,
} from '../../support/lifecycle-harness';

describe('driver boots', () => {
  it('a wake that overtook a sleep before its stop reached the backend restarts the old instance and becomes ready', async () => {
    // The bug: the sleep's driver died after writing `stopping` and before stopping the container; the wake then
    // found it running, settled, and readiness refused the old instance forever (it predates the new boot).
    const h = makeHarness();
    await createReady(h, { name: 'w1' });
    const oldInstance = h.backend.allResources()[0]!.instances[0]!.id;
    await h.repo.mutate('w1', (current) => {
      if (!isWorker(current)) return undefined;
      const slept = {
        ...current,
        desired: 'sleeping' as const,
        spec_generation: current.spec_generation + 1,
      };
      return transition(slept, 'stopping', { reason: 'manual', actor: 'manager' }, h.clock.now());
    });
    h.clock.advance(60_000);

    const woke = await h.service.wake('w1', MANAGER);
    expect(woke.worker.phase).toBe('starting');
    const instance = h.backend.allResources()[0]!.instances[0]!;
    expect(instance.id).not.toBe(oldInstance);
    await h.service.report(await recordOf(h, 'w1'), { instance_id: instance.id });
    expect((await recordOf(h, 'w1')).phase).toBe('ready');
  });

  it('starting a stopped resource of a ready worker opens a new boot that its new instance can report to', async () => {
    const h = makeHarness();
    const first = await createReady(h, { name: 'w2' }, {});
    const resource = h.backend.allResources()[0]!;
    await h.service.report(first, { instance_id: resource.instances[0]!.id });
    const bound = await recordOf(h, 'w2');
    expect(bound.boot.instance_id).toBe(resource.instances[0]!.id);
    // The container stops behind our back, then something drives the worker (here: a bare intent bump).
    await h.backend.stop(resource.ref);
    let leaseId: string | undefined;
    await h.repo.mutate('w2', (current) => {
      if (!isWorker(current)) return undefined;
      const taken = takeLeaseIfFree(
        { ...current, spec_generation: current.spec_generation + 1 },
        'test',
        h.clock.now(),
        h.settings,
      );
      leaseId = taken.leaseId;
      return taken.record;
    });
    const result = await new Driver(h.ctx).drive('w2', leaseId!, {
      deadline: h.clock.now() + 10_000,
      actor: 'test',
    });
    expect(result.outcome).toBe('settled');
    const after = await recordOf(h, 'w2');
    expect(after.phase).toBe('starting');
    expect(after.boot.epoch).toBe(bound.boot.epoch + 1);
    expect(after.boot.instance_id).toBeUndefined();
    await h.service.report(after, { instance_id: resource.instances[0]!.id });
    expect((await recordOf(h, 'w2')).phase).toBe('ready');
  });

  it('a failed worker is stopped while the lease is still held, and sleeping removes its beat', async () => {
    const h = makeHarness({ settings: { maxAttempts: 1 } });
    await createReady(h, { name: 'w3' });
    expect(await h.repo.readBeat('w3')).not.toBeNull();
    await h.service.sleep('w3', MANAGER);
    expect((await recordOf(h, 'w3')).phase).toBe('sleeping');
    expect(await h.repo.readBeat('w3')).toBeNull();

    h.backend.behave('start', { fail: new Error('engine hiccup') });
    const woke = await h.service.wake('w3', MANAGER);
    expect(woke.worker.phase).toBe('failed');
    const stopCall = h.backend.calls.filter((c) => c.step === 'stop').at(-1)!;
    expect(stopCall).toBeDefined();
    // Exactly one event per transition: no phantom events from writes that made none.
    const events = await eventsOf(h, 'w3');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});

describe('resources nobody recorded', () => {
  it('a sleep of a worker whose create landed with its answer lost stops the resource that create made', async () => {
    // The bug: with no backend_ref the sleep settled `sleeping` without a backend call, and the container the
    // create had made kept running behind a sleeping record, which nothing looks at again.
    const h = makeHarness();
    h.backend.behave('create', { failAfterApplying: new BackendUnavailableError('timed out'), times: 1 });
    await h.service.create({ name: 'w1' }, MANAGER).catch(() => undefined);
    expect((await recordOf(h, 'w1')).backend_ref).toBeUndefined();
    expect(h.backend.allResources()[0]?.running).toBe(true);

    await h.service.sleep('w1', MANAGER);

    const record = await recordOf(h, 'w1');
    expect(record.phase).toBe('sleeping');
    expect(h.backend.allResources()[0]?.running).toBe(false);
    // What it found is recorded, so the next wake starts it rather than creating another.
    expect(record.backend_ref?.resource_name).toBe(h.backend.allResources()[0]?.ref.resourceName);
  });

  it('a sleep with nothing under the name still stops what runs beside it (an update killed half-way)', async () => {
    // Docker's update, killed after removing the old container and before renaming, leaves only `<name>-next`
    // running; status then says not_found with a running instance. The sleep took not_found as "nothing there".
    let leftover = true;
    const h = makeHarness({
      wrapBackend: (backend) =>
        Object.assign(Object.create(backend) as FakeBackend, {
          status: async (...args: Parameters<FakeBackend['status']>) => {
            const status = await backend.status(...args);
            return leftover && status.state === 'not_found'
              ? { ...status, instances: [{ id: 'next-instance', startedAt: 0 }], raw: 'missing+next' }
              : status;
          },
          stop: async () => {
            leftover = false;
          },
        }),
    });
    h.backend.behave('create', { fail: new BackendUnavailableError('timed out'), times: 1 });
    await h.service.create({ name: 'w1' }, MANAGER).catch(() => undefined);
    expect((await recordOf(h, 'w1')).backend_ref).toBeUndefined();

    await h.service.sleep('w1', MANAGER);

    expect(leftover).toBe(false);
    expect((await recordOf(h, 'w1')).phase).toBe('sleeping');
  });

  it('a worker created asleep still settles without a resource', async () => {
    const h = makeHarness();
    await h.service.create({ name: 'w1', initial_state: 'sleeping' }, MANAGER);
    expect((await recordOf(h, 'w1')).phase).toBe('sleeping');
    expect(h.backend.allResources()).toEqual([]);
  });
});

describe('abandoned rounds', () => {
  it('a round abandoned at its deadline sends no further change to the backend when its call finally returns', async () => {
    // Bug: the race against the deadline answered the request but left the round running; when its hung call
    // returned it went on to start the worker, possibly after another driver had taken the worker over.
    const h = makeHarness({ settings: { requestDriveBudgetMs: 50 } });
    await createReady(h, { name: 'w4' });
    await h.service.sleep('w4', MANAGER);
    h.backend.behave('status', { hang: true, times: 1 });
    const woke = await new Promise<Awaited<ReturnType<typeof h.service.wake>>>((resolve) => {
      void h.service.wake('w4', MANAGER).then(resolve);
      // The manual clock does not move by itself: push it past the round's deadline.
      setTimeout(() => h.clock.advance(1_000), 10);
    });
    expect(woke.drive?.outcome).toBe('in_progress');
    const startsBefore = h.backend.calls.filter((c) => c.step === 'start').length;
    h.backend.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.backend.calls.filter((c) => c.step === 'start').length).toBe(startsBefore);
  });

  it("a holder that stalls past its lease never writes the old incarnation's resource into a re-created worker", async () => {
    // The bug: observe merged backend_ref before checking the lease and the uid. A create's driver stalled after
    // its backend call; meanwhile its lease expired, the worker was deleted and re-created (a new uid). When
    // the stalled holder resumed, it wrote the old incarnation's container into the new record, and deleting
    // that worker then removed the wrong (already gone) container and leaked the real one.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    const other = sibling(h, 'other');
    let armed = true;
    hooked!.hook = async (op, key) => {
      const created = h.backend.calls.some((call) => call.step === 'create');
      if (!armed || !created || op !== 'get' || key !== layout.worker('w1')) return;
      armed = false;
      // The first holder made its container and is about to record it: it stalls past its lease.
      h.clock.advance(10 * 60_000);
      await deleteWorker(other, 'w1', MANAGER, false);
      await createWorker(other, { name: 'w1' }, MANAGER);
    };

    await h.service.create({ name: 'w1' }, MANAGER);

    expect(armed).toBe(false);
    const reborn = await recordOf(h, 'w1');
    const live = h.backend.allResources().filter((resource) => resource.spec.uid === reborn.uid);
    expect(live).toHaveLength(1);
    expect(reborn.backend_ref).toEqual({
      resource_name: live[0]!.ref.resourceName,
      id: live[0]!.ref.id,
    });
  });

  it('a round frozen between stopping an old boot and starting the new one never starts a worker another holder slept', async () => {
    // The bug: the start that completes "stop the old boot, start a new one" bypassed the deadline guard. A
    // function frozen inside the stop (answered, then suspended) resumed after its lease had expired and another
    // holder had slept the worker, and started the container: record sleeping, container running, sweeper blind.
    const h = makeHarness({ settings: { requestDriveBudgetMs: 50 } });
    await createReady(h, { name: 'w1' });
    await h.repo.mutate('w1', (current) => {
      if (!isWorker(current)) return undefined;
      const slept = {
        ...current,
        desired: 'sleeping' as const,
        spec_generation: current.spec_generation + 1,
      };
      return transition(slept, 'stopping', { reason: 'manual', actor: 'manager' }, h.clock.now());
    });
    h.clock.advance(60_000);
    // The wake finds the old boot's instance still running: it stops it, and freezes inside that stop.
    h.backend.behave('stop', { freeze: true, times: 1 });
    const woke = await new Promise<Awaited<ReturnType<typeof h.service.wake>>>((resolve) => {
      void h.service.wake('w1', MANAGER).then(resolve);
      setTimeout(() => h.clock.advance(1_000), 10);
    });
    expect(woke.drive?.outcome).toBe('in_progress');

    h.clock.advance(10 * 60_000);
    await sleep(sibling(h, 'other'), 'w1', MANAGER);
    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'sleeping' });
    h.backend.release();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'sleeping' });
    expect(h.backend.allResources()[0]!.running).toBe(false);
  });

  it("a round frozen inside an update never prunes the env value the worker's current spec names", async () => {
    // The bug: the round pruned secrets with the spec it read, without checking its lease. Frozen inside its
    // backend update and resumed long after, it kept only the old value and dropped the one a later PATCH had
    // stored, which the current spec names: the worker's next start could not build its environment.
    const h = makeHarness({ settings: { requestDriveBudgetMs: 50 } });
    const ready = await createReady(h, { name: 'w1', env: { TOKEN: 'old-token-value' } });
    h.backend.behave('update', { freeze: true, times: 1 });
    const patched = await new Promise<Awaited<ReturnType<typeof h.service.update>>>((resolve) => {
      void h.service.update('w1', { image: 'img:two' }, MANAGER).then(resolve);
      setTimeout(() => h.clock.advance(1_000), 10);
    });
    expect(patched.drive?.outcome).toBe('in_progress');

    h.clock.advance(2 * 60_000);
    await h.service.update('w1', { env: { TOKEN: 'new-token-value' } }, MANAGER);
    h.clock.advance(15 * 60_000);
    h.backend.release();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const stored = await h.repo.readSecretCandidates('w1', ready.uid);
    expect(stored.TOKEN).toContain('new-token-value');
  });

  it('a round abandoned at its deadline aborts the backend call it has in flight', async () => {
    // Backend calls take the round's AbortSignal: a call still hanging when the caller answers is cancelled,
    // so it cannot land later, after another driver has taken the worker over.
    const h = makeHarness({ settings: { requestDriveBudgetMs: 50 } });
    await createReady(h, { name: 'w1' });
    h.backend.behave('update', { hang: true, times: 1 });
    const patched = await new Promise<Awaited<ReturnType<typeof h.service.update>>>((resolve) => {
      void h.service.update('w1', { image: 'img:two' }, MANAGER).then(resolve);
      setTimeout(() => h.clock.advance(1_000), 10);
    });
    expect(patched.drive?.outcome).toBe('in_progress');
    h.backend.release();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(h.backend.allResources()[0]!.spec.image).not.toBe('img:two');
  });
});
