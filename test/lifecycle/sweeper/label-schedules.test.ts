/**
 * Label schedules carried out by the real sweeper over the real lifecycle (memory store, fake backend, manual
 * clock): applied to the workers whose labels match and only to them, never over a worker's own schedule, a fleet
 * larger than one run's page finished over the next runs, and a changed schedule counted from its change.
 */
import { describe, expect, it } from 'vitest';
import { isWorker } from '../../../src/lifecycle/model';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { takeLeaseIfFree } from '../../../src/lifecycle/model/transitions';
import { recordActivity } from '../../../src/lifecycle/requests/activity';
import {
  deleteLabelSchedule,
  listLabelSchedules,
  putLabelSchedule,
} from '../../../src/lifecycle/requests/label-schedules';
import { NAMES_PER_RUN, processLabelSchedules } from '../../../src/lifecycle/sweeper/label-schedules';
import { initialSweeperState } from '../../../src/lifecycle/sweeper/lock';
import { emptyReport, SweepRun } from '../../../src/lifecycle/sweeper/run';
import { DEFAULT_SWEEPER_SETTINGS } from '../../../src/lifecycle/sweeper/settings';
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

const at = (text: string) => Date.parse(text);
const NIGHTS = { sleep: '0 19 * * *', wake: '0 9 * * *', time_zone: 'Europe/Berlin' };

const desiredOf = async (h: Harness, name: string) => (await recordOf(h, name)).desired;

describe('label schedules', () => {
  it('sleeps and wakes only the workers whose labels match, with reason schedule, and never over a worker’s own schedule', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, { name: 'night-a', idle_timeout_seconds: 0, labels: { shift: 'day', app: 'x' } });
    await createReady(h, { name: 'night-b', idle_timeout_seconds: 0, labels: { shift: 'day' } });
    await createReady(h, { name: 'other', idle_timeout_seconds: 0, labels: { shift: 'night' } });
    await createReady(h, {
      name: 'own',
      idle_timeout_seconds: 0,
      labels: { shift: 'day' },
      schedule: { sleep: '0 22 * * *', time_zone: 'Europe/Berlin' },
    });
    const put = await putLabelSchedule(h.ctx, 'day-shift', { labels: { shift: 'day' }, ...NIGHTS });
    expect(put.created).toBe(true);
    expect(put.schedule.next_action).toEqual({ kind: 'sleep', at: '2026-03-02T18:00:00.000Z' });

    h.clock.set(at('2026-03-02T17:59:00Z'));
    await runSweep(h.ctx);
    expect(await desiredOf(h, 'night-a')).toBe('running');
    h.clock.set(at('2026-03-02T18:00:30Z'));
    await runSweep(h.ctx);

    expect(await desiredOf(h, 'night-a')).toBe('sleeping');
    expect(await desiredOf(h, 'night-b')).toBe('sleeping');
    expect(await desiredOf(h, 'other')).toBe('running');
    expect(await desiredOf(h, 'own')).toBe('running');
    const events = await eventsOf(h, 'night-a');
    expect(events.slice(-2).map((e) => [e.to, e.reason, e.actor])).toEqual([
      ['stopping', 'schedule', 'sweeper'],
      ['sleeping', 'schedule', 'driver'],
    ]);

    h.clock.set(at('2026-03-03T08:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOf(h, 'night-a')).toBe('running');
    expect(await desiredOf(h, 'night-b')).toBe('running');
    // 'own' slept at 22:00 by its own schedule and has no wake of its own: the label schedule does not wake it.
    expect(await desiredOf(h, 'own')).toBe('sleeping');
    expect((await listLabelSchedules(h.ctx))[0]!.next_action).toEqual({
      kind: 'sleep',
      at: '2026-03-03T18:00:00.000Z',
    });
  });

  it('carries an occurrence across a fleet larger than one run’s page over the next runs', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    const count = NAMES_PER_RUN + 20;
    for (let i = 0; i < count; i++) {
      await h.service.create(
        { name: `w${String(i).padStart(3, '0')}`, idle_timeout_seconds: 0, labels: { pool: 'a' } },
        MANAGER,
      );
    }
    await putLabelSchedule(h.ctx, 'pool', { labels: { pool: 'a' }, sleep: '0 19 * * *', time_zone: 'UTC' });
    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    const asleep = async () => {
      let n = 0;
      for (let i = 0; i < count; i++) {
        if ((await desiredOf(h, `w${String(i).padStart(3, '0')}`)) === 'sleeping') n++;
      }
      return n;
    };
    expect(await asleep()).toBe(NAMES_PER_RUN);
    h.clock.advance(60_000);
    await runSweep(h.ctx);
    expect(await asleep()).toBe(count);
    expect((await listLabelSchedules(h.ctx))[0]!.next_action).toEqual({
      kind: 'sleep',
      at: '2026-03-03T19:00:00.000Z',
    });
  });

  it('refuses an empty selector or a bad pattern naming the field, and forgets a deleted schedule (a second delete finds nothing)', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await expect(putLabelSchedule(h.ctx, 's', { labels: {}, sleep: '0 19 * * *' })).rejects.toMatchObject({
      status: 400,
      field: 'labels',
    });
    await expect(
      putLabelSchedule(h.ctx, 's', { labels: { a: 'b' }, sleep: '0 19 * * 8' }),
    ).rejects.toMatchObject({
      status: 400,
      field: 'sleep',
    });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0, labels: { a: 'b' } });
    await putLabelSchedule(h.ctx, 's', { labels: { a: 'b' }, sleep: '0 19 * * *' });
    expect(await deleteLabelSchedule(h.ctx, 's')).toBe(true);
    expect(await listLabelSchedules(h.ctx)).toEqual([]);
    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOf(h, 'w1')).toBe('running');
    expect(await deleteLabelSchedule(h.ctx, 's')).toBe(false);
  });

  it('re-files a lost label-schedule hint when a full-scan pass starts, so the schedule is still carried out', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0, labels: { a: 'b' } });
    await putLabelSchedule(h.ctx, 's', { labels: { a: 'b' }, sleep: '0 19 * * *' });
    for (const hint of await hintsOf(h, '_schedules')) await h.store.delete(hint.key);

    await runSweep(h.ctx); // the first run starts a full-scan pass

    expect((await hintsOf(h, '_schedules')).map((hint) => hint.atMs)).toEqual([at('2026-03-02T19:00:00Z')]);
    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOf(h, 'w1')).toBe('sleeping');
  });
});

describe('label schedules under a frozen sweeper, many schedules, held workers and a deadline', () => {
  const POOL = { pool: 'a' };
  const name = (i: number) => `w${String(i).padStart(4, '0')}`;
  const desiredOfAll = async (h: Harness, count: number) => {
    const all: string[] = [];
    for (let i = 0; i < count; i++) all.push(await desiredOf(h, name(i)));
    return all;
  };
  const createPool = async (h: Harness, count: number, labels: (i: number) => Record<string, string>) => {
    for (let i = 0; i < count; i++) {
      await createReady(h, { name: name(i), idle_timeout_seconds: 0, labels: labels(i) });
    }
  };
  /** A sweeper run of the label-schedule step alone, with its own deadline (default: none). */
  const labelRun = async (h: Harness, deadline = Number.POSITIVE_INFINITY) => {
    const run = new SweepRun(
      h.ctx,
      DEFAULT_SWEEPER_SETTINGS,
      emptyReport(new Date(h.clock.now()).toISOString()),
      initialSweeperState(),
      async () => h.clock.now(),
      deadline,
    );
    const [hint] = await hintsOf(h, '_schedules');
    if (!hint) throw new Error('no label-schedule hint');
    await processLabelSchedules(run, hint.key, hint.atMs);
    return run;
  };

  it('a sweeper frozen mid-wake and resumed after a later sleep passed neither wakes the fleet at night nor moves `from` back', async () => {
    const hooked: { store?: HookedStore } = {};
    const h = makeHarness({
      settings: QUIET,
      now: at('2026-03-02T12:00:00Z'),
      wrapStore: (store) => {
        hooked.store = new HookedStore(store);
        return hooked.store;
      },
    });
    await createPool(h, 3, () => POOL);
    await putLabelSchedule(h.ctx, 'pool', { labels: POOL, wake: '0 9 * * *', sleep: '0 19 * * *' });
    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOfAll(h, 3)).toEqual(['sleeping', 'sleeping', 'sleeping']);

    // Sweeper A starts the 09:00 wake and is frozen right after listing its page of names.
    h.clock.set(at('2026-03-03T09:00:30Z'));
    let reached!: () => void;
    const atPage = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let thaw!: () => void;
    const frozen = new Promise<void>((resolve) => {
      thaw = resolve;
    });
    hooked.store!.hook = async (op, key) => {
      if (op !== 'list' || key !== 'workers/') return;
      hooked.store!.hook = undefined;
      reached();
      await frozen;
    };
    const sweeperA = labelRun(h);
    await atPage;

    // Meanwhile sweeper B carries out the 09:00 wake and the 19:00 sleep.
    h.clock.set(at('2026-03-03T09:10:00Z'));
    await runSweep(sibling(h, 'b'));
    expect(await desiredOfAll(h, 3)).toEqual(['running', 'running', 'running']);
    for (const n of [0, 1, 2]) await h.service.report(await recordOf(h, name(n)), {});
    h.clock.set(at('2026-03-03T19:00:30Z'));
    await runSweep(sibling(h, 'b'));
    expect(await desiredOfAll(h, 3)).toEqual(['sleeping', 'sleeping', 'sleeping']);
    const [afterB] = await h.repo.labelSchedules().list();

    // A thaws at 19:30, long after its lease ran out.
    h.clock.set(at('2026-03-03T19:30:00Z'));
    thaw();
    await sweeperA;
    expect(await desiredOfAll(h, 3)).toEqual(['sleeping', 'sleeping', 'sleeping']);
    const [afterA] = await h.repo.labelSchedules().list();
    expect(afterA!.from).toBe(afterB!.from);
    expect(afterA!.run).toBeUndefined();
    for (const n of [0, 1, 2]) {
      expect(
        (await eventsOf(h, name(n))).filter((e) => e.reason === 'schedule' && e.to === 'starting'),
      ).toHaveLength(1);
    }
  });

  it('a run still unfinished when the schedule’s next time passes is dropped for it: the workers it had not reached are not slept after the wake time', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T08:30:00Z') });
    const count = NAMES_PER_RUN + 20;
    await createPool(h, count, () => POOL);
    await putLabelSchedule(h.ctx, 'pool', { labels: POOL, sleep: '0 9 * * *', wake: '1 9 * * *' });
    h.clock.set(at('2026-03-02T09:00:30Z'));
    await runSweep(h.ctx);
    expect((await desiredOfAll(h, count)).filter((d) => d === 'sleeping')).toHaveLength(NAMES_PER_RUN);

    // The 09:01 wake passes before the 09:00 sleep reached the last 20 workers.
    h.clock.set(at('2026-03-02T09:01:30Z'));
    await runSweep(h.ctx);
    h.clock.advance(60_000);
    await runSweep(h.ctx);
    expect((await desiredOfAll(h, count)).filter((d) => d === 'running')).toHaveLength(count);
    for (let i = NAMES_PER_RUN; i < count; i++) {
      const slept = (await eventsOf(h, name(i))).filter(
        (e) => e.reason === 'schedule' && e.to === 'stopping',
      );
      expect(slept).toEqual([]);
    }
  });

  it('three label schedules due at once over 1,000 workers are all carried out within ⌈1000/200⌉ sweeper runs', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    const count = 1000;
    const groups = ['a', 'b', 'c'];
    await createPool(h, count, (i) => ({ group: groups[i % 3]! }));
    for (const group of groups) {
      await putLabelSchedule(h.ctx, group, { labels: { group }, sleep: '0 19 * * *' });
    }
    h.clock.set(at('2026-03-02T19:00:30Z'));
    for (let runs = 0; runs < Math.ceil(count / NAMES_PER_RUN); runs++) {
      await runSweep(h.ctx);
      h.clock.advance(60_000);
    }
    expect((await desiredOfAll(h, count)).filter((d) => d === 'sleeping')).toHaveLength(count);
    expect((await listLabelSchedules(h.ctx)).map((s) => s.next_action)).toEqual(
      groups.map(() => ({ kind: 'sleep', at: '2026-03-03T19:00:00.000Z' })),
    );
  });

  it('a label wake retries a worker that another operation holds, once its lease is released', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createPool(h, 3, () => POOL);
    await putLabelSchedule(h.ctx, 'pool', { labels: POOL, wake: '0 9 * * *', sleep: '0 19 * * *' });
    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOfAll(h, 3)).toEqual(['sleeping', 'sleeping', 'sleeping']);

    // Another function instance holds w0001's operation lease (mid-operation) when the wake comes due.
    h.clock.set(at('2026-03-03T09:00:30Z'));
    await h.repo.mutate(name(1), (current) =>
      current && isWorker(current)
        ? takeLeaseIfFree(current, 'other', h.clock.now(), h.settings).record
        : undefined,
    );
    await runSweep(h.ctx);
    expect(await desiredOfAll(h, 3)).toEqual(['running', 'sleeping', 'running']);

    h.clock.advance(20_000);
    await h.repo.mutate(name(1), (current) => {
      if (!current || !isWorker(current)) return undefined;
      const { op: _released, ...rest } = current;
      return rest;
    });
    h.clock.advance(40_000);
    await runSweep(h.ctx);
    expect(await desiredOfAll(h, 3)).toEqual(['running', 'running', 'running']);
    expect((await listLabelSchedules(h.ctx))[0]!.next_action).toEqual({
      kind: 'sleep',
      at: '2026-03-03T19:00:00.000Z',
    });
  });

  it('stops starting workers at its deadline and records the last one handled, so the next run carries on from there', async () => {
    const hooked: { store?: HookedStore } = {};
    const h = makeHarness({
      settings: QUIET,
      now: at('2026-03-02T12:00:00Z'),
      wrapStore: (store) => {
        hooked.store = new HookedStore(store);
        return hooked.store;
      },
    });
    const count = 40;
    await createPool(h, count, () => POOL);
    await putLabelSchedule(h.ctx, 'pool', { labels: POOL, sleep: '0 19 * * *' });
    h.clock.set(at('2026-03-02T19:00:30Z'));
    // Each worker read takes a second of the run's time; the deadline falls in the page.
    hooked.store!.hook = (op, key) => {
      if (op === 'get' && key.startsWith('workers/')) h.clock.advance(1_000);
    };
    const run = await labelRun(h, h.clock.now() + 20_000);
    hooked.store!.hook = undefined;

    expect(run.report.budget_exhausted).toBe(true);
    const desired = await desiredOfAll(h, count);
    const slept = desired.filter((d) => d === 'sleeping').length;
    expect(slept).toBeGreaterThan(0);
    expect(slept).toBeLessThan(count);
    // The slept ones are exactly the names up to the recorded place, in order.
    expect(desired).toEqual(desired.map((_, i) => (i < slept ? 'sleeping' : 'running')));
    const [schedule] = await h.repo.labelSchedules().list();
    expect(schedule!.run).toMatchObject({ kind: 'sleep', after: name(slept - 1) });

    await labelRun(h);
    expect((await desiredOfAll(h, count)).filter((d) => d === 'sleeping')).toHaveLength(count);
  });
});

describe('label-scheduled sleep and activity leases', () => {
  it('a label-scheduled sleep passes over a worker holding an activity lease, as the idle sleep does', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, { name: 'leased', idle_timeout_seconds: 0, labels: { a: 'b' } });
    await createReady(h, { name: 'free', idle_timeout_seconds: 0, labels: { a: 'b' } });
    await putLabelSchedule(h.ctx, 's', { labels: { a: 'b' }, sleep: '0 19 * * *' });
    h.clock.set(at('2026-03-02T18:50:00Z'));
    await recordActivity(h.ctx, 'leased', MANAGER, { leaseSeconds: 3600 });

    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect(await desiredOf(h, 'free')).toBe('sleeping');
    expect(await desiredOf(h, 'leased')).toBe('running');
  });
});
