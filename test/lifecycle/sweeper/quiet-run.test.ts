/**
 * What a run with nothing to do costs, in store operations (the memory store counts them): the lease document
 * read, one look at the due hints and one write of the run's stats. The silence check lists `beats/` only on its
 * own cadence (every half silence threshold), and the store's clock is asked only by a step that needs it.
 */
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import { createReady, makeHarness, recordOf } from '../../support/lifecycle-harness';

const MIN = 60_000;

describe('a quiet sweeper run', () => {
  it('costs three store operations, and an hour of runs beside heartbeating workers stays near that', async () => {
    const h = makeHarness();
    const names = ['q1', 'q2', 'q3'];
    for (const name of names) await createReady(h, { name });
    const heartbeat = async () => {
      for (const name of names) await h.service.report(await recordOf(h, name), {});
    };
    // The first full scan and inventory pass happen here.
    for (let i = 0; i < 5; i++) {
      h.clock.advance(MIN);
      await heartbeat();
      await runSweep(h.ctx);
    }

    const costs: number[] = [];
    for (let i = 0; i < 60; i++) {
      h.clock.advance(MIN);
      await heartbeat();
      const before = h.store.operations();
      const report = await runSweep(h.ctx);
      expect(report.restarted + report.slept + report.hints_processed + report.errors).toBe(0);
      costs.push(h.store.operations() - before);
    }

    expect(Math.min(...costs)).toBe(3);
    // Of 60 runs, at most one in 7 lists beats/ (every 7.5 min) and one starts the hourly passes.
    expect(costs.filter((c) => c === 3).length).toBeGreaterThanOrEqual(60 - 9 - 2);
    const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
    expect(mean).toBeLessThan(4);
  });
});
