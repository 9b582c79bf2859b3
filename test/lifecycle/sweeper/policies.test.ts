/**
 * The sweeper's policies, one by one: idle sleep, expiry, wedged transitions and retries with backoff. Each test
 * runs the real sweeper over the real lifecycle (memory store, fake backend, manual clock).
 */
import { describe, expect, it } from 'vitest';
import { BackendError, BackendUnavailableError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { transition } from '../../../src/lifecycle/model/transitions';
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

const MIN = 60_000;

const resourceOf = (h: Harness, name: string) => h.backend.allResources().find((r) => r.spec.name === name);

describe('sweeper policies', () => {
  it('puts an idle worker to sleep, with events whose reason is idle, and stops its resource', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    h.clock.advance(9 * MIN);
    expect((await runSweep(h.ctx)).slept).toBe(0);
    h.clock.advance(MIN + 1000);

    const report = await runSweep(h.ctx);

    expect(report.slept).toBe(1);
    const record = await recordOf(h, 'w1');
    expect(record).toMatchObject({ desired: 'sleeping', phase: 'sleeping' });
    const events = await eventsOf(h, 'w1');
    expect(events.slice(-2).map((e) => [e.to, e.reason, e.actor])).toEqual([
      ['stopping', 'idle', 'sweeper'],
      ['sleeping', 'idle', 'driver'],
    ]);
    expect(resourceOf(h, 'w1')?.running).toBe(false);
  });

  it('never sleeps a worker that keeps reporting busy, even with an idle timeout shorter than the beat write interval', async () => {
    // The bug: only busy_at counted, and it moves only when the beat is rewritten (every 300 s, or when busy
    // flips). A worker with idle_timeout_seconds 240 reporting busy:true every minute looked idle 240 s after
    // each rewrite and was slept mid-work.
    const h = makeHarness({ settings: QUIET });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 240 }, { busy: true });
    for (let minute = 1; minute <= 30; minute++) {
      h.clock.advance(MIN);
      await h.service.report(ready, { busy: true });
      expect((await runSweep(h.ctx)).slept).toBe(0);
    }
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'running', phase: 'ready' });

    // Once it reports idle, the idle clock starts then — or, at the latest, two heartbeats after its busy beat
    // was last written (a busy report may have relied on that beat without a write): slept after its 240 s, not
    // before, and within two heartbeats more.
    await h.service.report(ready, { busy: false });
    h.clock.advance(4 * MIN - 1000);
    expect((await runSweep(h.ctx)).slept).toBe(0);
    h.clock.advance(2 * MIN + 2000);
    expect((await runSweep(h.ctx)).slept).toBe(1);
  });

  it('does not sleep a worker for idleness right after a restart replaced the instance that reported busy', async () => {
    // The bug: the new boot's ready report wrote a fresh beat without the previous boot's busy_at, so the idle
    // clock went back to the last activity: a worker busy a minute ago was slept as idle after an update.
    const h = makeHarness({ settings: QUIET });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 240 });
    h.clock.advance(200_000);
    await h.service.report(ready, { busy: true });
    await h.service.update('w1', { image: 'img:2' }, MANAGER);
    await h.service.report(await recordOf(h, 'w1'), { busy: false });
    expect((await recordOf(h, 'w1')).phase).toBe('ready');

    h.clock.advance(60_000);
    expect((await runSweep(h.ctx)).slept).toBe(0);
    expect((await recordOf(h, 'w1')).desired).toBe('running');
    // Its idle clock runs from the replacement (when the busy instance stopped; at the latest two heartbeats
    // after its busy beat), so it does sleep later.
    h.clock.advance(200_000 + 2 * MIN);
    expect((await runSweep(h.ctx)).slept).toBe(1);
  });

  it('sleeps a worker on time once it turns idle, though the sweeper had put its next look past a busy beat', async () => {
    // The bug: the sweeper re-files an idle worker's hint for when its busy beat goes stale (minutes later); a
    // heartbeat turning idle moved the idle deadline earlier but filed no hint, so the sleep came late.
    const h = makeHarness({ settings: QUIET });
    const ready = await createReady(h, { name: 'w1', idle_timeout_seconds: 240 });
    const t0 = h.clock.now();
    h.clock.set(t0 + 60_000);
    await h.service.report(ready, { busy: true });
    h.clock.set(t0 + 250_000);
    expect((await runSweep(h.ctx)).slept).toBe(0);
    const lookedAt = Math.min(...(await hintsOf(h, 'w1')).map((hint) => hint.atMs));
    expect(lookedAt).toBeGreaterThan(t0 + 540_000);

    h.clock.set(t0 + 300_000);
    await h.service.report(ready, { busy: false });
    h.clock.set(t0 + 530_000);
    expect((await runSweep(h.ctx)).slept).toBe(0);
    h.clock.set(t0 + 541_000);
    expect((await runSweep(h.ctx)).slept).toBe(1);
  });

  it('a failed worker that still carries a retry time is not looked at again and again', async () => {
    // The bug: a drive of an intent that leaves a worker failed (a PATCH of a failed, sleeping worker) can leave
    // next_check_at on it; that counted as a deadline the sweeper never acts on (failed is not re-driven), so
    // its hint was re-filed a minute on, every run, forever.
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0 });
    const now = h.clock.now();
    await h.repo.mutate('w1', (current) =>
      isWorker(current)
        ? {
            ...transition(current, 'failed', { reason: 'backend_error', actor: 'driver' }, now),
            next_check_at: new Date(now + MIN).toISOString(),
          }
        : undefined,
    );
    h.clock.advance(2 * MIN);
    await runSweep(h.ctx);
    h.clock.advance(2 * MIN);
    await runSweep(h.ctx);

    expect(await hintsOf(h, 'w1')).toEqual([]);
    expect((await recordOf(h, 'w1')).phase).toBe('failed');
  });

  it('never sleeps a worker whose idle_timeout_seconds is 0', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 0 });
    for (let i = 0; i < 48; i++) {
      h.clock.advance(30 * MIN);
      const report = await runSweep(h.ctx);
      expect(report.slept).toBe(0);
    }
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'running', phase: 'ready' });
    expect(resourceOf(h, 'w1')?.running).toBe(true);
  });

  it('sleeps a worker that never became ready once its idle timeout passes (woke_at starts the clock)', async () => {
    const h = makeHarness({ settings: QUIET });
    await h.service.create({ name: 'w1', idle_timeout_seconds: 300 }, MANAGER);
    expect((await recordOf(h, 'w1')).phase).toBe('starting');
    h.clock.advance(5 * MIN + 1000);

    await runSweep(h.ctx);

    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'sleeping' });
    expect((await eventsOf(h, 'w1')).map((e) => e.reason)).toContain('idle');
  });

  it('deletes a worker past its expires_at with reason ttl and removes its resource', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', ttl_seconds: 3600 });
    h.clock.advance(59 * MIN);
    expect((await runSweep(h.ctx)).deleted).toBe(0);
    h.clock.advance(MIN + 1000);

    const report = await runSweep(h.ctx);

    expect(report.deleted).toBe(1);
    const stored = (await h.repo.read('w1'))?.value;
    expect(stored?.kind).toBe('tombstone');
    expect(stored?.last_transition).toMatchObject({ to: 'deleted', reason: 'ttl' });
    expect(resourceOf(h, 'w1')).toBeUndefined();
    expect((await eventsOf(h, 'w1')).find((e) => e.to === 'deleting')).toMatchObject({
      reason: 'ttl',
      actor: 'sweeper',
    });
  });

  it('puts an expired worker under deletion_protection to sleep with a ttl_blocked event instead of deleting it', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', ttl_seconds: 600, deletion_protection: true });
    h.clock.advance(10 * MIN + 1000);

    const report = await runSweep(h.ctx);

    expect(report).toMatchObject({ deleted: 0, slept: 1 });
    expect(await recordOf(h, 'w1')).toMatchObject({ desired: 'sleeping', phase: 'sleeping' });
    expect((await eventsOf(h, 'w1')).find((e) => e.to === 'stopping')).toMatchObject({
      reason: 'ttl_blocked',
    });
    expect(resourceOf(h, 'w1')?.running).toBe(false);
    // Asleep and expired, it has nothing left to plan: later runs leave it alone.
    h.clock.advance(24 * 60 * MIN);
    expect(await runSweep(h.ctx)).toMatchObject({ deleted: 0, slept: 0, redriven: 0 });
    expect((await hintsOf(h, 'w1')).length).toBe(0);
  });

  it('marks a worker stuck in a transitional phase past wedgedAfterSeconds failed (reason wedged) and stops it', async () => {
    const h = makeHarness({ settings: { ...QUIET, wedgedAfterSeconds: 1800 } });
    // Created but never reports ready: it stays `starting`.
    await h.service.create({ name: 'w1' }, MANAGER);
    h.clock.advance(29 * MIN);
    expect((await runSweep(h.ctx)).failed).toBe(0);
    h.clock.advance(MIN + 1000);

    const report = await runSweep(h.ctx);

    expect(report.failed).toBe(1);
    const record = await recordOf(h, 'w1');
    expect(record).toMatchObject({
      phase: 'failed',
      last_transition: { reason: 'wedged', actor: 'sweeper' },
    });
    expect(record.op).toBeUndefined();
    expect(resourceOf(h, 'w1')?.running).toBe(false);
    // Failed is left alone until a human acts: no re-drive, no further backend calls.
    const workerCalls = () => h.backend.calls.filter((c) => c.step !== 'list').length;
    const before = workerCalls();
    h.clock.advance(60 * MIN);
    await runSweep(h.ctx);
    expect(workerCalls()).toBe(before);
  });

  it('re-drives a failing worker with exponential backoff and marks it failed after maxAttempts', async () => {
    const h = makeHarness({ settings: { ...QUIET, wedgedAfterSeconds: 10 * 3600, maxAttempts: 6 } });
    h.backend.behave('create', { fail: new BackendError('the engine is on fire') });
    await h.service.create({ name: 'w1' }, MANAGER);
    const gaps: number[] = [];
    let record = await recordOf(h, 'w1');
    expect(record.attempts).toBe(1);
    while (record.phase !== 'failed') {
      const due = Date.parse(record.next_check_at!);
      gaps.push((due - h.clock.now()) / 1000);
      // The hint sits at the retry time, not earlier: a failing worker is not looked at every minute.
      expect((await hintsOf(h, 'w1')).some((hint) => hint.atMs === Math.floor(due / 1000) * 1000)).toBe(true);
      h.clock.set(due - 5000);
      expect((await runSweep(h.ctx)).redriven).toBe(0);
      h.clock.set(due + 1000);
      expect((await runSweep(h.ctx)).redriven).toBe(1);
      record = await recordOf(h, 'w1');
    }
    expect(gaps).toEqual([60, 120, 240, 480, 900]);
    expect(record).toMatchObject({ attempts: 6, last_transition: { to: 'failed', reason: 'backend_error' } });
    const stored = (await h.repo.read('w1'))?.value;
    expect(isWorker(stored) && stored.last_error).toContain('on fire');
  });
  it('a failed worker whose stop was lost is stopped by a later run, and then left alone', async () => {
    // The bug: failing stopped the resource once, best effort; a lost stop left a failed worker running for good.
    const h = makeHarness({ settings: { ...QUIET, wedgedAfterSeconds: 1800 } });
    await h.service.create({ name: 'w1' }, MANAGER);
    h.backend.behave('stop', { fail: new BackendError('connection reset'), times: 1 });
    h.clock.advance(31 * MIN);
    expect((await runSweep(h.ctx)).failed).toBe(1);
    expect(resourceOf(h, 'w1')?.running).toBe(true);
    const owed = await recordOf(h, 'w1');
    expect(owed).toMatchObject({ phase: 'failed' });
    expect(owed.stop_check_at).toBeDefined();
    expect((await hintsOf(h, 'w1')).some((hint) => hint.atMs <= Date.parse(owed.stop_check_at!))).toBe(true);

    h.clock.set(Date.parse(owed.stop_check_at!) + 1000);
    await runSweep(h.ctx);

    expect(resourceOf(h, 'w1')?.running).toBe(false);
    const settled = await recordOf(h, 'w1');
    expect(settled).toMatchObject({ phase: 'failed' });
    expect(settled.stop_check_at).toBeUndefined();
    expect(settled.op).toBeUndefined();
    const workerCalls = () => h.backend.calls.filter((c) => c.step !== 'list').length;
    const before = workerCalls();
    h.clock.advance(60 * MIN);
    await runSweep(h.ctx);
    expect(workerCalls()).toBe(before);
  });

  it('a failed worker whose create landed with its answer lost is found by its derived name and stopped', async () => {
    // No backend_ref was ever recorded, so the best-effort stop of the failing driver had nothing to stop.
    const h = makeHarness({ settings: { ...QUIET, maxAttempts: 1 } });
    h.backend.behave('create', { failAfterApplying: new BackendUnavailableError('timed out'), times: 1 });
    await h.service.create({ name: 'w1' }, MANAGER).catch(() => undefined);
    const failed = await recordOf(h, 'w1');
    expect(failed).toMatchObject({ phase: 'failed' });
    expect(failed.backend_ref).toBeUndefined();
    expect(resourceOf(h, 'w1')?.running).toBe(true);

    h.clock.advance(MIN);
    await runSweep(h.ctx);

    expect(resourceOf(h, 'w1')?.running).toBe(false);
    expect((await recordOf(h, 'w1')).stop_check_at).toBeUndefined();
  });
});
