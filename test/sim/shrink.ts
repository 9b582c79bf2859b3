/**
 * Shrinking a failure: the same seed with fewer steps replays the same prefix (step choices never depend on the
 * step budget), and the quiescence that follows may expose the same fault sooner. The shortest budget that still
 * violates the same invariant is the one worth reading.
 */
import type { SimOverrides } from './options';
import { runSimulation, type SimResult } from './run';

export async function shrink(failed: SimResult, overrides: SimOverrides): Promise<SimResult> {
  const first = failed.violations[0];
  if (!first) return failed;
  let best = failed;
  const limit = Math.min(failed.steps, first.step);
  for (const fraction of [1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4]) {
    const steps = Math.max(1, Math.floor(limit * fraction));
    if (steps >= best.steps) continue;
    const tried = await runSimulation(failed.seed, { ...overrides, steps });
    if (tried.violations[0]?.invariant === first.invariant) {
      best = tried;
      break;
    }
  }
  return best;
}
