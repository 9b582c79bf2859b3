/**
 * Readiness reports racing each other: a report of a boot that another report made ready first is a heartbeat,
 * and what it says (busy) counts.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import { createReady, HookedStore, makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('readiness reports', () => {
  it('a busy report that finds its boot already made ready by another report is written as a busy beat', async () => {
    // The bug: the report read the record while `starting`, lost the race to make it ready, and answered 200
    // without writing anything: the worker's busy went unrecorded, and it could be slept as idle mid-work.
    const h = makeHarness();
    await h.service.create({ name: 'w1' }, MANAGER);
    const starting = await recordOf(h, 'w1');
    await h.service.report(starting, {});
    expect((await recordOf(h, 'w1')).phase).toBe('ready');

    await h.service.report(starting, { busy: true });

    expect(await h.repo.readBeat('w1')).toMatchObject({ busy: true, uid: starting.uid });
  });

  it('a report whose record changed incarnation meanwhile is refused, not answered 200 with nothing written', async () => {
    const h = makeHarness();
    await h.service.create({ name: 'w1' }, MANAGER);
    const starting = await recordOf(h, 'w1');
    await h.service.delete('w1', MANAGER);
    await h.service.create({ name: 'w1', image: 'img:2' }, MANAGER);

    const outcome = await h.service.report(starting, { busy: true }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(ConflictError);
  });

  it('a report that reaches the store after a newer one does not overwrite its beat', async () => {
    // The bug: a report stalled on its way wrote its beat, with its own (older) time, over a busy beat written
    // since: the worker looked idle from before its busy report and was slept mid-work.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 240 });
    h.clock.advance(301_000);
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (!armed || op !== 'get' || key !== layout.beat('w1')) return;
      armed = false;
      // The slow report is on its way; a busy report ten seconds later gets there first.
      h.clock.advance(10_000);
      await h.service.report(ready, { busy: true });
    };

    await h.service.report(ready, { busy: false });

    expect(armed).toBe(false);
    expect(await h.repo.readBeat('w1')).toMatchObject({
      busy: true,
      at: new Date(h.clock.now()).toISOString(),
    });
  });
});

describe('a stalled busy report behind a newer idle beat', () => {
  it('still counts as activity at its time: the newer beat stays idle, and the idle clock starts no earlier', async () => {
    // The bug (simulation, seed 2215): a busy report stalled on its way found a newer idle beat and wrote
    // nothing, so the busy report it answered 200 never reached busy_at, and the worker was slept for idleness
    // 206 s after it said busy with a 240 s idle timeout.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 3600 });
    // Past the beat write interval, so the idle report rewrites the beat.
    h.clock.advance(700_000);
    const busyAt = h.clock.now();
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (!armed || op !== 'get' || key !== layout.beat('w1')) return;
      armed = false;
      // The busy report is on its way; the worker's next report, idle, gets there first.
      h.clock.advance(7_000);
      await h.service.report(ready, { busy: false });
      h.clock.advance(-7_000);
    };

    await h.service.report(ready, { busy: true });

    expect(armed).toBe(false);
    const beat = await h.repo.readBeat('w1');
    expect(beat?.busy).toBe(false);
    expect(Date.parse(beat!.busy_at!)).toBeGreaterThanOrEqual(busyAt);
  });
});

describe('a stalled idle report and a busy report that wrote nothing', () => {
  it('the idle clock the late idle report starts is never before the busy report answered meanwhile', async () => {
    // The bug (found by the simulation, seed 29): a busy report found the stored beat already busy and wrote
    // nothing; an idle report that had read that same beat before, stalled on its way, then replaced it with
    // its own older time. The worker was slept for idleness 61 s after it said busy, with a 120 s timeout.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 120 });
    h.clock.advance(1000);
    await h.service.report(ready, { busy: true });
    h.clock.advance(1000);
    let busyAnsweredAt = 0;
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (!armed || op !== 'put' || key !== layout.beat('w1')) return;
      armed = false;
      // The idle report has read the busy beat and is about to replace it: it stalls for a minute, during which
      // the worker says busy again (answered without a write: the stored beat already says busy).
      h.clock.advance(60_000);
      await h.service.report(ready, { busy: true });
      busyAnsweredAt = h.clock.now();
    };

    await h.service.report(ready, { busy: false });

    expect(armed).toBe(false);
    const beat = await h.repo.readBeat('w1');
    expect(beat?.busy).toBe(false);
    expect(Date.parse(beat!.busy_at!)).toBeGreaterThanOrEqual(busyAnsweredAt);
    // And the sweeper keeps it awake for the whole idle timeout after that busy report.
    h.clock.set(busyAnsweredAt + 119_000);
    await runSweep(h.ctx);
    expect((await recordOf(h, 'w1')).phase).toBe('ready');
  });
});

describe('heartbeat cost with the default settings', () => {
  it('an hour of heartbeats every 60 s writes beats/ at most 6 times, and a busy flip is written at once', async () => {
    const beatWrites: number[] = [];
    let now = () => 0;
    const h = makeHarness({
      wrapStore: (store) => {
        const hooked = new HookedStore(store);
        hooked.hook = (op, key) => {
          if (op === 'put' && key === layout.beat('w1')) beatWrites.push(now());
        };
        return hooked;
      },
    });
    now = () => h.clock.now();
    const record = await createReady(h, { name: 'w1' });
    beatWrites.length = 0;
    for (let minute = 1; minute <= 60; minute++) {
      h.clock.advance(60_000);
      await h.service.report(record, {});
    }
    expect(beatWrites.length).toBeGreaterThan(0);
    expect(beatWrites.length).toBeLessThanOrEqual(6);

    // Busy, then idle again: both written on the report that says so, whatever the interval.
    beatWrites.length = 0;
    h.clock.advance(60_000);
    await h.service.report(record, { busy: true });
    h.clock.advance(60_000);
    await h.service.report(record, { busy: false });
    expect(beatWrites).toHaveLength(2);
    expect((await h.repo.readBeat('w1'))?.busy).toBe(false);
  });
});
