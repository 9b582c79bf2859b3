/**
 * Throughput of the deterministic simulator (issue 11): complete schedules (seeds) per second and network calls
 * delivered per second, for the budget `npm test` runs. Reported, never asserted.
 */
import { runSimulation } from '../sim/run';

export async function benchSim(seeds = 50, steps = 300) {
  let deliveries = 0;
  let violating = 0;
  const began = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const result = await runSimulation(seed, { steps });
    deliveries += result.deliveries;
    if (result.violations.length > 0) violating++;
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    seeds,
    steps,
    seconds: Math.round(seconds * 10) / 10,
    schedules_per_second: Math.round((seeds / seconds) * 10) / 10,
    deliveries_per_second: Math.round(deliveries / seconds),
    seeds_with_violations: violating,
  };
}
