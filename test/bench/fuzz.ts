/**
 * The bounded fuzz run of the API suite, run again for the benchmark report: how many generated requests it
 * tried and what they were answered (a 5xx would throw, as in the test).
 */
import { fuzzTarget, runApiFuzz } from '../support/api-fuzz';

export async function benchFuzz(numRuns = 2_000) {
  const started = performance.now();
  const counts = await runApiFuzz(await fuzzTarget(), numRuns);
  return { ...counts, ms: Math.round(performance.now() - started) };
}
