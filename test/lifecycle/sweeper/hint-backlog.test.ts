/**
 * Hints that pile up under churn: every write that takes an operation lease files a hint at the lease's expiry,
 * so a worker woken and slept over and over leaves one hint per operation behind, each superseded by the next
 * record. One look at a worker must retire all of its past-due hints in the run that looks, so the backlog drains
 * in one run instead of one hint per worker per run.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import { createReady, hintsOf, makeHarness, recordOf } from '../../support/lifecycle-harness';

const WORKERS = 20;
const CYCLES = 40;

describe('due hints piled up by churn (fake backend, memory store)', () => {
  it('one run retires every past-due hint of 20 churned workers, leaving each one hint at its next deadline', async () => {
    const h = makeHarness({ settings: { unresponsiveAfterSeconds: 365 * 86_400 } });
    const names = Array.from({ length: WORKERS }, (_, i) => `churn-${String(i).padStart(2, '0')}`);
    for (const name of names) await createReady(h, { name });
    // Contention: each worker slept and woken many times, a second apart, with no sweeper run in between.
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      for (const name of names) {
        await h.service.sleep(name, MANAGER);
        h.clock.advance(1000);
        await h.service.wake(name, MANAGER);
        await h.service.report(await recordOf(h, name), {});
        h.clock.advance(1000);
      }
    }
    // Every lease has long expired: its hint is past due and stands for nothing the records still need.
    h.clock.advance(10 * 60_000);
    const before = await hintsOf(h);
    const now = h.clock.now();
    expect(before.filter((hint) => hint.atMs <= now).length).toBeGreaterThan(WORKERS * CYCLES);
    const perWorker = Math.max(...names.map((n) => before.filter((hint) => hint.name === n).length));
    expect(perWorker).toBeGreaterThan(CYCLES);

    const report = await runSweep(h.ctx);

    expect(report.errors, report.problems.join('; ')).toBe(0);
    expect(report.hints_left).toBe(0);
    // One record read per worker, not per hint: a superseded hint costs its delete and nothing more.
    expect(report.hints_processed).toBe(WORKERS);
    const after = await hintsOf(h);
    expect(after.filter((hint) => hint.atMs <= now)).toEqual([]);
    for (const name of names) {
      const left = after.filter((hint) => hint.name === name);
      expect(left, name).toHaveLength(1);
      const record = await recordOf(h, name);
      // The one left is the idle deadline of the record as it stands (12 h after the last wake).
      expect(left[0]!.atMs).toBeLessThanOrEqual(
        Date.parse(record.woke_at!) + record.idle_timeout_seconds * 1000,
      );
      expect(left[0]!.atMs).toBeGreaterThan(now);
    }
  });
});
