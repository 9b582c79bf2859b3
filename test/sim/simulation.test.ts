/**
 * The failure model (any function killed at any await, frozen past its lease, store and backend responses lost)
 * explored from fixed seeds. A failure prints the seed, the step, the invariant and the replay command
 * (`npm run sim -- --seed S`).
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from './run';

const SEEDS = 200;
const STEPS = 300;

describe('the deterministic simulation', () => {
  it('replays a seed exactly: same options, same violations, same trace', async () => {
    const first = await runSimulation(7, { steps: 120, stopAtFirst: false });
    const again = await runSimulation(7, { steps: 120, stopAtFirst: false });
    expect(again).toEqual(first);
    expect(first.deliveries).toBeGreaterThan(100);
  });

  it(`finds no invariant broken in ${SEEDS} seeds × ${STEPS} steps, with every fault on`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runSimulation(seed, { steps: STEPS });
      const first = result.violations[0];
      if (first) {
        const where = first.step > STEPS ? 'quiescence' : `step ${first.step}`;
        failures.push(
          `seed ${seed} (${where}) ${first.invariant}: ${first.message} — npm run sim -- --seed ${seed}`,
        );
      }
    }
    expect(failures).toEqual([]);
  }, 110_000);
});
