/**
 * The sweeper against everything else happening at once: wakes and busy heartbeats that land after it decided,
 * a second sweeper, a sweeper that dies mid-run, and a hint that never made it to the store.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import {
  createReady,
  eventsOf,
  type Harness,
  HookedStore,
  hintsOf,
  makeHarness,
  QUIET,
  recordOf,
  sibling,
} from '../../support/lifecycle-harness';

const MIN = 60_000;

function hookedHarness() {
  let hooked: HookedStore | undefined;
  const h = makeHarness({
    settings: QUIET,
    wrapStore: (store) => {
      hooked = new HookedStore(store);
      return hooked;
    },
  });
  return { h, hooked: hooked! };
}

const stopCalls = (h: Harness) => h.backend.calls.filter((c) => c.step === 'stop').length;
const resourceOf = (h: Harness, name: string) => h.backend.allResources().find((r) => r.spec.name === name);

describe('sweeper races', () => {
  it('a wake that lands after the sweeper decided to sleep an idle worker wins: nothing is slept', async () => {
    const { h, hooked } = hookedHarness();
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    // The sweeper reads the beat only after the record said "idle": that is after its decision.
    let armed = true;
    hooked.hook = async (op, key) => {
      if (armed && op === 'get' && key === layout.beat('w1')) {
        armed = false;
        await h.service.wake('w1', MANAGER);
      }
    };

    const report = await runSweep(h.ctx);

    expect(armed).toBe(false);
    expect(report.slept).toBe(0);
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'running', phase: 'ready' });
    expect((await eventsOf(h, 'w1')).some((e) => e.to === 'stopping')).toBe(false);
    expect(stopCalls(h)).toBe(0);
    // Its hint moved to the new idle deadline, ten minutes after the wake.
    expect((await hintsOf(h, 'w1')).map((x) => x.atMs)).toContain(
      Math.floor((h.clock.now() + 10 * MIN) / 1000) * 1000,
    );
  });

  it('a busy heartbeat that lands after the sweeper decided from the record wins: nothing is slept', async () => {
    const { h, hooked } = hookedHarness();
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    let armed = true;
    hooked.hook = async (op, key) => {
      if (armed && op === 'get' && key === layout.beat('w1')) {
        armed = false;
        await h.service.report(ready, { busy: true });
      }
    };

    const report = await runSweep(h.ctx);

    expect(report.slept).toBe(0);
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'running', phase: 'ready' });
    expect(stopCalls(h)).toBe(0);
  });

  it('a busy heartbeat that read the record before the sleep was written withdraws the sleep before any backend call', async () => {
    const { h, hooked } = hookedHarness();
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    // The second beat read is the one after the sleep write. Just before it, a heartbeat whose record read (as
    // `ready`) happened before our write lands its beat: it says busy.
    let beatReads = 0;
    hooked.hook = async (op, key) => {
      if (op === 'get' && key === layout.beat('w1') && ++beatReads === 2) {
        await h.service.report(ready, { busy: true });
      }
    };

    const report = await runSweep(h.ctx);

    expect(report.slept).toBe(0);
    const record = await recordOf(h, 'w1');
    expect(record).toMatchObject({ desired: 'running', phase: 'ready', phase_since: ready.phase_since });
    expect(record.op).toBeUndefined();
    expect(record.observed_generation).toBe(record.spec_generation);
    const tail = (await eventsOf(h, 'w1')).slice(-2);
    expect(tail.map((e) => [e.from, e.to, e.reason])).toEqual([
      ['ready', 'stopping', 'idle'],
      ['stopping', 'ready', 'ready'],
    ]);
    expect(stopCalls(h)).toBe(0);
    expect(resourceOf(h, 'w1')?.running).toBe(true);
    // The old instance keeps reporting and is accepted: its boot was never replaced.
    await expect(h.service.report(record, {})).resolves.toBeUndefined();
  });

  it('two sweepers started together act once: the second sees the live sweeper lease and skips', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    h.backend.behave('stop', { delayMs: 20 });

    const reports = await Promise.all([runSweep(sibling(h, 'sweeper-a')), runSweep(sibling(h, 'sweeper-b'))]);

    expect(reports.map((r) => r.ran).sort()).toEqual([false, true]);
    expect(reports.find((r) => !r.ran)?.skipped).toBe('lease_held');
    expect(stopCalls(h)).toBe(1);
    expect((await eventsOf(h, 'w1')).filter((e) => e.to === 'stopping')).toHaveLength(1);
  });

  it('two sweepers that overlap after the sweeper lease expired still drive each worker once', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    h.backend.behave('stop', { hang: true, times: 1 });
    const budgetMs = 20_000;
    const first = runSweep(sibling(h, 'sweeper-a'), { settings: { budgetMs } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Past the sweeper lease (budget + 60 s) but within the worker's operation lease (60 s + 30 s).
    h.clock.advance(budgetMs + 61_000);

    const second = await runSweep(sibling(h, 'sweeper-b'), { settings: { budgetMs } });
    h.backend.release();
    await first;

    expect(second.ran).toBe(true);
    expect(second.slept).toBe(0);
    expect(stopCalls(h)).toBe(1);
    expect(h.backend.maxConcurrentPerWorker).toBe(1);
    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'sleeping' });
  });

  it('a backend that throws mid-drive leaves a retry the next run finishes', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    h.backend.behave('stop', { fail: new Error('socket hang up'), times: 1 });

    const first = await runSweep(h.ctx);

    expect(first.errors).toBeGreaterThan(0);
    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'stopping', attempts: 1 });
    h.clock.advance(2 * MIN);
    const second = await runSweep(h.ctx);
    expect(second.redriven).toBe(1);
    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'sleeping', attempts: 0 });
  });

  it('a sweeper killed right after its first decision leaves nothing the next run cannot finish', async () => {
    const { h, hooked } = hookedHarness();
    for (const name of ['w1', 'w2', 'w3', 'w4']) await createReady(h, { name, idle_timeout_seconds: 600 });
    h.clock.advance(11 * MIN);
    // Once the first sleep is written (lease taken, backend not yet called), every store call fails: the
    // function instance is gone mid-flight, holding a worker's operation lease and the sweeper lease.
    let dead = false;
    hooked.hook = (op, key) => {
      if (dead) throw new Error('function instance frozen');
      if (op === 'put' && key.startsWith(layout.workersPrefix)) dead = true;
    };
    const killed = await runSweep(h.ctx);
    expect(killed.errors).toBeGreaterThan(0);
    hooked.hook = undefined;
    const phases = await Promise.all(['w1', 'w2', 'w3', 'w4'].map(async (n) => (await recordOf(h, n)).phase));
    expect(phases.filter((phase) => phase !== 'sleeping').length).toBeGreaterThan(0);

    // The dead run never released its lease: the next runs wait for it to expire, then finish the job.
    for (let i = 0; i < 4; i++) {
      h.clock.advance(2 * MIN);
      await runSweep(h.ctx);
    }

    for (const name of ['w1', 'w2', 'w3', 'w4']) {
      const record = await recordOf(h, name);
      expect(record, name).toMatchObject({ desired: 'sleeping', phase: 'sleeping' });
      expect(record.op, name).toBeUndefined();
      expect(resourceOf(h, name)?.running, name).toBe(false);
    }
    expect(h.backend.maxConcurrentPerWorker).toBe(1);
  });

  it('a record whose hint never reached the store is found by the full scan (hint_repaired) and acted on in time', async () => {
    const h = makeHarness({ settings: QUIET });
    const sweep = () => runSweep(h.ctx, { settings: { fullScanIntervalSeconds: 300 } });
    await createReady(h, { name: 'w1' });
    h.clock.advance(MIN);
    expect((await sweep()).hint_repaired).toBe(0);
    // The PATCH brings the idle deadline to ten minutes after creation; the hint it filed is lost.
    await h.service.update('w1', { idle_timeout_seconds: 600 }, MANAGER);
    for (const hint of await hintsOf(h, 'w1')) await h.store.delete(hint.key);

    h.clock.advance(5 * MIN);
    const scanned = await sweep();

    expect(scanned.hint_repaired).toBe(1);
    const deadline = Date.parse((await recordOf(h, 'w1')).created_at) + 600_000;
    expect((await hintsOf(h, 'w1')).map((x) => x.atMs)).toEqual([Math.floor(deadline / 1000) * 1000]);
    h.clock.set(deadline + 1000);
    expect((await sweep()).slept).toBe(1);
    expect((await recordOf(h, 'w1')).phase).toBe('sleeping');
  });

  it('re-emits the last event of a record whose event write was lost', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1' });
    const record = await recordOf(h, 'w1');
    const events = await h.store.list(layout.eventsPrefix('w1'));
    await h.store.delete(events.keys[0]!.key);
    expect(await h.repo.hasEventFor(record)).toBe(false);

    const report = await runSweep(h.ctx);

    expect(report.events_repaired).toBe(1);
    expect(await h.repo.hasEventFor(record)).toBe(true);
  });

  it('keeps the hint a create filed before its record when the sweeper reads the name before that record lands', async () => {
    // The bug: a hint whose record was absent was deleted at once. A create files its hint (at its lease's
    // expiry) before its record; a sweeper in between deleted it, and when that create then died, nothing was
    // due for its worker until the full scan's repair.
    const { h, hooked } = hookedHarness();
    let stage: 'before' | 'writing' | 'dead' = 'before';
    hooked.hook = async (op, key) => {
      if (stage === 'dead') throw new Error('function killed');
      if (stage === 'writing') {
        stage = 'dead';
        throw new Error('function killed');
      }
      if (op !== 'put' || key !== layout.worker('w1')) return;
      stage = 'writing';
      // The create's record write is slow: its hint, due at the lease's expiry, comes within the lookahead.
      h.clock.advance(70_000);
      const saved = hooked.hook;
      hooked.hook = undefined;
      await runSweep(sibling(h, 'sweeper'));
      hooked.hook = saved;
    };

    await h.service.create({ name: 'w1' }, MANAGER).catch(() => undefined);
    hooked.hook = undefined;

    expect(stage).toBe('dead');
    const record = await recordOf(h, 'w1');
    const leaseEnd = Date.parse(record.op!.expires_at);
    expect((await hintsOf(h, 'w1')).some((hint) => hint.atMs <= leaseEnd)).toBe(true);
  });

  it('leaves a hint listed ahead of its time where it is when reading its record fails', async () => {
    // The bug: a failed hint was moved a minute past now to keep the head free, even when it was only listed
    // early (the lookahead) and stood for a deadline before that minute: the worker was then looked at late.
    const { h, hooked } = hookedHarness();
    await createReady(h, { name: 'w1', idle_timeout_seconds: 240 });
    const deadline = Date.parse((await recordOf(h, 'w1')).created_at) + 240_000;
    h.clock.set(deadline - 20_000);
    await runSweep(h.ctx);
    let failures = 0;
    hooked.hook = (op, key) => {
      if (op === 'get' && key === layout.worker('w1') && failures++ === 0) throw new Error('503 SlowDown');
    };

    const report = await runSweep(h.ctx);

    expect(failures).toBeGreaterThan(0);
    expect(report.errors).toBe(1);
    expect((await hintsOf(h, 'w1')).some((hint) => hint.atMs <= deadline)).toBe(true);
  });
});
