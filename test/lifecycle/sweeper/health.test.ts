/**
 * Workers that should run but do not: silent ones are restarted, ones whose resource vanished become `lost`
 * (decided by two direct lookups, never by a listing) and are recreated.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBackend } from '../../../src/backends/fake';
import type { WorkerBackend } from '../../../src/backends/port';
import type { LifecycleSettings } from '../../../src/lifecycle/model/settings';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import { createReady, eventsOf, type Harness, makeHarness, recordOf } from '../../support/lifecycle-harness';

const MIN = 60_000;
const resourceOf = (h: Harness, name: string) => h.backend.allResources().find((r) => r.spec.name === name);

/** Runs the sweeper once a minute until it restarts a worker: the minute it did (from now), or a failure. */
async function minuteOfFirstRestart(h: Harness, maxMinutes: number): Promise<number> {
  for (let minute = 1; minute <= maxMinutes; minute++) {
    h.clock.advance(MIN);
    if ((await runSweep(h.ctx)).restarted > 0) return minute;
  }
  throw new Error(`no restart within ${maxMinutes} minutes`);
}

describe('silent workers', () => {
  it('restarts a ready worker silent longer than unresponsiveAfterSeconds (new boot, new key, reason unresponsive)', async () => {
    const h = makeHarness();
    const before = await createReady(h, { name: 'w1' });

    // `beats/` is listed every half threshold (7.5 min): restarted after 15 min of silence, and by 15 + 7.5 + 1.
    const restartedAt = await minuteOfFirstRestart(h, 30);

    expect(restartedAt).toBeGreaterThan(15);
    expect(restartedAt).toBeLessThanOrEqual(24);
    const after = await recordOf(h, 'w1');
    expect(after).toMatchObject({ phase: 'starting', last_transition: { reason: 'unresponsive' } });
    expect(after.boot.epoch).toBe(before.boot.epoch + 1);
    expect(after.key_hash).not.toBe(before.key_hash);
    expect(after.op).toBeUndefined();
    expect(resourceOf(h, 'w1')?.instanceSeq).toBe(2);
    // The new boot reports and is ready again; its readiness clears the attempt.
    await h.service.report(after, {});
    expect(await recordOf(h, 'w1')).toMatchObject({ phase: 'ready', attempts: 0 });
  });

  it('leaves a worker that keeps heartbeating alone', async () => {
    const h = makeHarness();
    const record = await createReady(h, { name: 'w1' });
    for (let i = 0; i < 12; i++) {
      h.clock.advance(5 * MIN);
      await h.service.report(record, {});
      expect((await runSweep(h.ctx)).restarted).toBe(0);
    }
    expect(resourceOf(h, 'w1')?.instanceSeq).toBe(1);
  });

  it('leaves a worker heartbeating every minute alone when its beat is written less often than unresponsiveAfterSeconds', async () => {
    // A beat is rewritten only every 20 min here, so a worker heartbeating on time has a beat up to 20 min old:
    // silence is judged against that (plus three heartbeats), not against the 15 min of unresponsiveAfterSeconds.
    const h = makeHarness({ settings: { beatWriteIntervalSeconds: 1200, unresponsiveAfterSeconds: 900 } });
    const record = await createReady(h, { name: 'w1' });
    for (let minute = 0; minute < 90; minute++) {
      h.clock.advance(MIN);
      await h.service.report(record, {});
      expect((await runSweep(h.ctx)).restarted, `minute ${minute}`).toBe(0);
    }
    expect(resourceOf(h, 'w1')?.instanceSeq).toBe(1);
    // Silent from here. Its last beat was written at minute 80: it is restarted once that beat is older than the
    // interval plus three heartbeats (23 min), i.e. after minute 103, and by half that threshold later.
    const restartedAt = 90 + (await minuteOfFirstRestart(h, 40));
    expect(restartedAt).toBeGreaterThan(103);
    expect(restartedAt).toBeLessThanOrEqual(103 + 11.5 + 1);
  });

  it('recreates a silent worker whose resource vanished: lost (reason drift) after two direct lookups', async () => {
    const h = makeHarness();
    await createReady(h, { name: 'w1' });
    const gone = resourceOf(h, 'w1')!.ref.resourceName;
    h.backend.vanish(gone);
    h.clock.advance(16 * MIN);

    const report = await runSweep(h.ctx);

    expect(report.lost).toBe(1);
    const transitions = (await eventsOf(h, 'w1')).slice(-2).map((e) => [e.from, e.to, e.reason]);
    expect(transitions).toEqual([
      ['ready', 'lost', 'drift'],
      ['lost', 'starting', 'drift'],
    ]);
    const calls = h.backend.calls.filter((c) => c.resourceName === gone).map((c) => c.step);
    const created = calls.lastIndexOf('create');
    expect(calls.slice(0, created).filter((s) => s === 'status').length).toBeGreaterThanOrEqual(2);
    expect(resourceOf(h, 'w1')?.running).toBe(true);
  });
});

/** A backend whose listing can hide resources (eventual consistency) while direct lookups still see them. */
function hidingList(backend: FakeBackend, hidden: Set<string>): WorkerBackend {
  return Object.assign(Object.create(backend) as WorkerBackend, {
    async list(options?: { cursor?: string; limit?: number }) {
      const page = await backend.list(options);
      return { ...page, items: page.items.filter((item) => !hidden.has(item.workerName)) };
    },
  });
}

describe('drift found by the inventory reconcile', () => {
  // Silence is not what finds these: the inventory pass is.
  const settings: Partial<LifecycleSettings> = { unresponsiveAfterSeconds: 365 * 86_400 };

  it('recreates a ready worker whose resource a complete inventory pass did not show and two lookups confirm gone', async () => {
    const h = makeHarness({ settings });
    await createReady(h, { name: 'w1' });
    await createReady(h, { name: 'w2' });
    expect((await runSweep(h.ctx)).lost).toBe(0);
    h.backend.vanish(resourceOf(h, 'w1')!.ref.resourceName);
    h.clock.advance(61 * MIN);

    const report = await runSweep(h.ctx);

    expect(report.lost).toBe(1);
    expect(await recordOf(h, 'w1')).toMatchObject({
      phase: 'starting',
      last_transition: { reason: 'drift' },
    });
    expect(resourceOf(h, 'w1')?.running).toBe(true);
    expect((await recordOf(h, 'w2')).phase).toBe('ready');
  });

  it('does not declare lost a worker the listing missed but a direct lookup still finds', async () => {
    const hidden = new Set<string>();
    const h = makeHarness({ settings, wrapBackend: (backend) => hidingList(backend, hidden) });
    await createReady(h, { name: 'w1' });
    await runSweep(h.ctx);
    hidden.add('w1');
    h.clock.advance(61 * MIN);

    const report = await runSweep(h.ctx);

    expect(report).toMatchObject({ lost: 0, restarted: 0 });
    const record = await recordOf(h, 'w1');
    expect(record).toMatchObject({ phase: 'ready' });
    expect(record.op).toBeUndefined();
    expect(h.backend.calls.filter((c) => c.step === 'create' || c.step === 'update')).toHaveLength(1);
  });
});
