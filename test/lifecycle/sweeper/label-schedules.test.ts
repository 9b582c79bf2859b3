/**
 * Label schedules carried out by the real sweeper over the real lifecycle (memory store, fake backend, manual
 * clock): applied to the workers whose labels match and only to them, never over a worker's own schedule, a fleet
 * larger than one run's page finished over the next runs, and a changed schedule counted from its change.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import type { LifecycleSettings } from '../../../src/lifecycle/model/settings';
import {
  deleteLabelSchedule,
  listLabelSchedules,
  putLabelSchedule,
} from '../../../src/lifecycle/requests/label-schedules';
import { NAMES_PER_RUN } from '../../../src/lifecycle/sweeper/label-schedules';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import {
  createReady,
  eventsOf,
  type Harness,
  hintsOf,
  makeHarness,
  recordOf,
} from '../../support/lifecycle-harness';

const QUIET: Partial<LifecycleSettings> = { unresponsiveAfterSeconds: 365 * 86_400 };
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
