/**
 * The sweeper at fleet scale, on the memory store (which counts its operations) and the fake backend: failing
 * workers cannot starve a due one, a quiet run costs a constant number of operations plus one listing per 1,000
 * awake workers, and a run with 1% of a 10,000 fleet due handles them within its budget.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBackend } from '../../../src/backends/fake';
import type { BackendRef, WorkerBackend, WorkerSpec } from '../../../src/backends/port';
import { BackendError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import type { LifecycleSettings } from '../../../src/lifecycle/model/settings';
import type { SweeperSettings } from '../../../src/lifecycle/sweeper/settings';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import {
  createReady,
  type Harness,
  HookedStore,
  makeHarness,
  recordOf,
} from '../../support/lifecycle-harness';

const MIN = 60_000;

/**
 * A backend on which every call for a `bad-*` worker fails after a simulated second (a slow, broken region),
 * counting those calls per worker.
 */
function brokenFor(backend: FakeBackend, h: () => Harness, failures: Map<string, number>) {
  let ticking = false;
  const fail = async (name: string) => {
    failures.set(name, (failures.get(name) ?? 0) + 1);
    if (ticking) h().clock.advance(1000);
    throw new BackendError(`region down for ${name}`);
  };
  const isBad = (name: string) => name.includes('-bad-');
  const wrapped = Object.assign(Object.create(backend) as WorkerBackend, {
    status: (ref: BackendRef) => (isBad(ref.resourceName) ? fail(ref.resourceName) : backend.status(ref)),
    create: (spec: WorkerSpec) => (isBad(spec.resourceName) ? fail(spec.resourceName) : backend.create(spec)),
  });
  return { wrapped, startTicking: () => (ticking = true) };
}

describe('sweeper at scale', () => {
  it('1,000 always-failing workers ahead of one due worker do not starve it', async () => {
    const failures = new Map<string, number>();
    let control: ReturnType<typeof brokenFor> | undefined;
    const h: Harness = makeHarness({
      settings: {
        unresponsiveAfterSeconds: 365 * 86_400,
        wedgedAfterSeconds: 365 * 86_400,
        maxAttempts: 1000,
      },
      wrapBackend: (backend) => {
        control = brokenFor(backend, () => h, failures);
        return control.wrapped;
      },
    });
    for (let i = 0; i < 1000; i++) {
      await h.service.create({ name: `w-bad-${String(i).padStart(4, '0')}` }, MANAGER);
    }
    await createReady(h, { name: 'good', idle_timeout_seconds: 120 });
    h.clock.advance(121_000);
    control!.startTicking();
    failures.clear();

    let runs = 0;
    let perRun = Number.POSITIVE_INFINITY;
    while ((await recordOf(h, 'good')).desired === 'running') {
      expect(runs++).toBeLessThan(100);
      const report = await runSweep(h.ctx);
      if (report.hints_processed > 0) perRun = Math.min(perRun, report.hints_processed);
      h.clock.advance(MIN);
    }

    // Each failing worker went into the race with two hints (its create's lease and its first retry), and
    // neither came back ahead of the due worker once processed: each was tried at most once per hint.
    expect(Math.max(...failures.values())).toBeLessThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(Math.ceil(2001 / perRun) + 1);
    expect(runs).toBeGreaterThan(2);
  });

  it('10,000 workers: a quiet run costs three store operations, and a pass run a listing per 1,000 more', async () => {
    let hooked: HookedStore | undefined;
    const h = makeHarness({
      settings: { unresponsiveAfterSeconds: 365 * 86_400 } satisfies Partial<LifecycleSettings>,
      wrapStore: (store) => {
        hooked = new HookedStore(store);
        return hooked;
      },
    });
    const sweeper: Partial<SweeperSettings> = { inventoryPageSize: 1000 };
    const fleet = 10_000;
    for (let i = 0; i < fleet; i++) {
      const name = `w${String(i).padStart(5, '0')}`;
      // 1% idle out after two hours; the rest keep the 12 h default.
      await createReady(h, { name, ...(i % 100 === 0 ? { idle_timeout_seconds: 7200 } : {}) });
    }
    const createdAt = h.clock.now();

    // Warm-up: the create-time hints come due, and the first full scan and inventory pass run in slices.
    for (let i = 0; i < 25; i++) {
      h.clock.advance(MIN);
      const report = await runSweep(h.ctx, { settings: sweeper });
      expect(report.errors, report.problems.join('\n')).toBe(0);
      expect(report.hint_repaired).toBe(0);
    }

    h.clock.advance(MIN);
    h.store.resetCounts();
    const quiet = await runSweep(h.ctx, { settings: sweeper });
    const awakeListings = Math.ceil(fleet / 1000);
    expect(quiet).toMatchObject({ hints_processed: 0, slept: 0, errors: 0 });
    expect(quiet.store_ops).toBe(h.store.operations());
    // Nothing due and no pass or silence check on its cadence: the lease read, one look at the hints, the stats.
    expect(h.store.counts).toMatchObject({ get: 1, list: 1, put: 1 });
    expect(h.store.operations()).toBe(3);

    // The next full passes (scan and inventory) over an unchanged fleet read no record at all.
    h.clock.set(createdAt + 61 * MIN);
    for (let i = 0; i < 20; i++) {
      h.clock.advance(MIN);
      h.store.resetCounts();
      const report = await runSweep(h.ctx, { settings: sweeper });
      expect(report.hints_processed).toBe(0);
      expect(h.store.counts.get, `pass run ${i}`).toBeLessThanOrEqual(4);
      expect(h.store.operations(), `pass run ${i}`).toBeLessThanOrEqual(awakeListings + 16);
    }

    // Two hours after creation, 1% of the fleet is idle. Each store call now takes 10 ms of the run's budget.
    h.clock.set(createdAt + 120 * MIN + 30_000);
    hooked!.hook = () => h.clock.advance(10);
    const busy = await runSweep(h.ctx, { settings: sweeper });
    hooked!.hook = undefined;

    expect(busy).toMatchObject({ slept: fleet / 100, errors: 0, budget_exhausted: false, hints_left: 0 });
    expect((await recordOf(h, 'w00100')).phase).toBe('sleeping');
    expect((await recordOf(h, 'w00101')).phase).toBe('ready');
  }, 120_000);
});
