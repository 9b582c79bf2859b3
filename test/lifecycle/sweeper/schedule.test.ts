/**
 * Schedules carried out by the real sweeper over the real lifecycle (memory store, fake backend, manual clock):
 * the wake and the sleep land at the times of the schedule's zone (across a daylight-saving change), through the
 * manager's own intents with reason `schedule`; never past a lifetime, never a sleep while the worker reports
 * busy, and windows missed while no sweeper ran are applied once.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { nextAction } from '../../../src/lifecycle/model/policy';
import { recordActivity } from '../../../src/lifecycle/requests/activity';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import {
  createReady,
  eventsOf,
  type Harness,
  hintsOf,
  makeHarness,
  QUIET,
  recordOf,
} from '../../support/lifecycle-harness';

const at = (text: string) => Date.parse(text);
const BERLIN_DAYS = { wake: '0 9 * * *', sleep: '0 19 * * *', time_zone: 'Europe/Berlin' };

/** Runs the sweeper a minute before `time` (nothing may happen) and 30 s after it (the action must). */
async function sweepAround(h: Harness, time: string) {
  h.clock.set(at(time) - 60_000);
  const before = await runSweep(h.ctx);
  const phaseBefore = (await recordOf(h, 'w1')).desired;
  h.clock.set(at(time) + 30_000);
  await runSweep(h.ctx);
  return { before, phaseBefore, after: await recordOf(h, 'w1') };
}

const scheduleEvents = async (h: Harness) =>
  (await eventsOf(h, 'w1')).filter((e) => e.reason === 'schedule').map((e) => [e.at, e.to, e.actor]);

async function reportReady(h: Harness) {
  await h.service.report(await recordOf(h, 'w1'), {});
}

describe('schedules carried out by the sweeper', () => {
  it('sleeps and wakes a worker at 19:00 and 9:00 Berlin time, an hour earlier in UTC after the last Sunday of March', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-27T12:00:00Z') });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0, schedule: BERLIN_DAYS });
    expect((await h.service.get('w1', MANAGER)).next_action).toEqual({
      kind: 'sleep',
      at: '2026-03-27T18:00:00.000Z',
    });

    let step = await sweepAround(h, '2026-03-27T18:00:00Z');
    expect(step.phaseBefore).toBe('running');
    expect(step.after).toMatchObject({ desired: 'sleeping', phase: 'sleeping' });
    expect(h.backend.allResources().find((r) => r.spec.name === 'w1')?.running).toBe(false);
    expect((await h.service.get('w1', MANAGER)).next_action).toEqual({
      kind: 'wake',
      at: '2026-03-28T08:00:00.000Z',
    });

    step = await sweepAround(h, '2026-03-28T08:00:00Z');
    expect(step.phaseBefore).toBe('sleeping');
    expect(step.after.desired).toBe('running');
    await reportReady(h);
    step = await sweepAround(h, '2026-03-28T18:00:00Z');
    expect(step.after.desired).toBe('sleeping');
    // Summer time from 2026-03-29: 9:00 in Berlin is 07:00 UTC.
    step = await sweepAround(h, '2026-03-29T07:00:00Z');
    expect(step.phaseBefore).toBe('sleeping');
    expect(step.after.desired).toBe('running');
    await reportReady(h);
    step = await sweepAround(h, '2026-03-29T17:00:00Z');
    expect(step.after.desired).toBe('sleeping');

    // The manual clock does not move during a run: the driver's transition is stamped a millisecond after the
    // sweeper's, since a worker's transitions are strictly ordered in time.
    expect(await scheduleEvents(h)).toEqual([
      ['2026-03-27T18:00:30.000Z', 'stopping', 'sweeper'],
      ['2026-03-27T18:00:30.001Z', 'sleeping', 'driver'],
      ['2026-03-28T08:00:30.000Z', 'starting', 'sweeper'],
      ['2026-03-28T18:00:30.000Z', 'stopping', 'sweeper'],
      ['2026-03-28T18:00:30.001Z', 'sleeping', 'driver'],
      ['2026-03-29T07:00:30.000Z', 'starting', 'sweeper'],
      ['2026-03-29T17:00:30.000Z', 'stopping', 'sweeper'],
      ['2026-03-29T17:00:30.001Z', 'sleeping', 'driver'],
    ]);
  });

  it('applies windows missed while no sweeper ran once: only the latest occurrence, one transition', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0, schedule: BERLIN_DAYS });
    // Three days without a sweeper; it comes back at 10:00 Berlin, inside a wake window: the worker stays awake.
    h.clock.set(at('2026-03-05T09:00:00Z'));
    await runSweep(h.ctx);
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'running', phase: 'ready' });
    expect(await scheduleEvents(h)).toEqual([]);
    // Next it misses the evening: the latest occurrence by 20:00 is the sleep, applied once.
    h.clock.set(at('2026-03-05T19:00:00Z'));
    await runSweep(h.ctx);
    expect((await recordOf(h, 'w1')).desired).toBe('sleeping');
    expect((await scheduleEvents(h)).map(([, to]) => to)).toEqual(['stopping', 'sleeping']);
    expect((await recordOf(h, 'w1')).schedule_from).toBe('2026-03-05T19:00:00.000Z');
  });

  it('never wakes a worker past its lifetime (a deletion-protected one stays asleep after expires_at)', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, {
      name: 'w1',
      idle_timeout_seconds: 0,
      deletion_protection: true,
      expires_at: '2026-03-03T12:00:00Z',
      schedule: BERLIN_DAYS,
    });
    await sweepAround(h, '2026-03-02T18:00:00Z');
    expect((await recordOf(h, 'w1')).desired).toBe('sleeping');
    // The wake of 2026-03-03 09:00 Berlin (08:00 UTC) is before expires_at: it happens.
    await sweepAround(h, '2026-03-03T08:00:00Z');
    expect((await recordOf(h, 'w1')).desired).toBe('running');
    await reportReady(h);
    // At expiry the protected worker is slept (ttl_blocked); the next morning's wake is past its lifetime.
    h.clock.set(at('2026-03-03T12:01:00Z'));
    await runSweep(h.ctx);
    expect((await recordOf(h, 'w1')).desired).toBe('sleeping');
    expect((await h.service.get('w1', MANAGER)).next_action).toBe(null);
    for (const time of ['2026-03-04T08:00:30Z', '2026-03-05T08:00:30Z']) {
      h.clock.set(at(time));
      await runSweep(h.ctx);
    }
    expect((await recordOf(h, 'w1')).desired).toBe('sleeping');
    expect((await scheduleEvents(h)).map(([, to]) => to)).toEqual(['stopping', 'sleeping', 'starting']);
  });

  it('does not sleep a worker that reports busy, and sleeps it once the busy beat ends', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0, schedule: BERLIN_DAYS }, { busy: true });
    for (let minute = -1; minute <= 30; minute++) {
      h.clock.set(at('2026-03-02T18:00:30Z') + minute * 60_000);
      await h.service.report(await recordOf(h, 'w1'), { busy: true });
      await runSweep(h.ctx);
      expect((await recordOf(h, 'w1')).desired).toBe('running');
    }
    await h.service.report(await recordOf(h, 'w1'), { busy: false });
    // Turning idle ends the hold at once: a hint is filed at (or before) the sleep's deadline, not the busy beat's.
    const deadline = nextAction(await recordOf(h, 'w1'), h.settings, await h.repo.readBeat('w1'))!;
    expect(deadline.kind).toBe('sleep');
    expect(Math.min(...(await hintsOf(h, 'w1')).map((hint) => hint.atMs))).toBeLessThanOrEqual(deadline.at);
    // The busy beat vouches for a while after its last report (see busyUntil); an hour later it no longer does.
    h.clock.advance(3_600_000);
    await runSweep(h.ctx);
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'sleeping', phase: 'sleeping' });
    expect((await scheduleEvents(h)).map(([, to]) => to)).toEqual(['stopping', 'sleeping']);
  });

  it('counts a schedule set by PATCH from then on: earlier occurrences are not carried out, and null removes it', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T20:00:00Z') });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0 });
    await h.service.update('w1', { schedule: { sleep: '0 19 * * *', time_zone: 'Europe/Berlin' } }, MANAGER);
    await runSweep(h.ctx);
    expect((await recordOf(h, 'w1')).desired).toBe('running');
    expect((await h.service.get('w1', MANAGER)).next_action).toEqual({
      kind: 'sleep',
      at: '2026-03-03T18:00:00.000Z',
    });
    await h.service.update('w1', { schedule: null }, MANAGER);
    expect(await recordOf(h, 'w1')).not.toHaveProperty('schedule');
    h.clock.set(at('2026-03-03T18:00:30Z'));
    await runSweep(h.ctx);
    expect((await recordOf(h, 'w1')).desired).toBe('running');
  });

  it('refuses a bad pattern or zone on create and PATCH with a 400 naming the field', async () => {
    const h = makeHarness({ settings: QUIET });
    await expect(
      h.service.create({ name: 'w1', schedule: { wake: '0 25 * * *', time_zone: 'UTC' } }, MANAGER),
    ).rejects.toMatchObject({ status: 400, field: 'schedule.wake' });
    await createReady(h, { name: 'w1' });
    await expect(
      h.service.update('w1', { schedule: { sleep: '0 19 * * *', time_zone: 'Berlin' } }, MANAGER),
    ).rejects.toMatchObject({ status: 400, field: 'schedule.time_zone' });
  });

  it('a worker’s own scheduled sleep waits for its activity lease to end, then sleeps it', async () => {
    const h = makeHarness({ settings: QUIET, now: at('2026-03-02T12:00:00Z') });
    await createReady(h, {
      name: 'own',
      idle_timeout_seconds: 0,
      schedule: { sleep: '0 19 * * *', time_zone: 'UTC' },
    });
    h.clock.set(at('2026-03-02T18:50:00Z'));
    await recordActivity(h.ctx, 'own', MANAGER, { leaseSeconds: 1800 });

    h.clock.set(at('2026-03-02T19:00:30Z'));
    await runSweep(h.ctx);
    expect((await recordOf(h, 'own')).desired).toBe('running');
    expect(nextAction(await recordOf(h, 'own'), h.settings)).toMatchObject({
      kind: 'sleep',
      at: at('2026-03-02T19:20:00Z'),
    });
    h.clock.set(at('2026-03-02T19:20:30Z'));
    await runSweep(h.ctx);
    expect((await recordOf(h, 'own')).desired).toBe('sleeping');
  });
});
