/**
 * `npm run sim`: the deterministic simulation from the command line.
 *
 *   npm run sim                          200 seeds × 300 steps
 *   npm run sim -- --seeds 10000         the soak: schedules per second and violations per invariant
 *   npm run sim -- --seed 42             replays one seed exactly, with its trace, shrunk
 *   npm run sim -- --steps 500 --only busy_not_slept,converged --start 1000 --no-faults
 */
import { parseArgs } from 'node:util';
import { INVARIANTS, type InvariantName, NO_FAULTS, type SimOverrides } from './options';
import { runSimulation, type SimResult } from './run';
import { shrink } from './shrink';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '200' },
    start: { type: 'string', default: '1' },
    steps: { type: 'string', default: '300' },
    only: { type: 'string' },
    'no-faults': { type: 'boolean', default: false },
    'no-shrink': { type: 'boolean', default: false },
    all: { type: 'boolean', default: false, description: 'replay past the first violation' },
    trace: { type: 'string', default: '80' },
  },
});

const only = values.only?.split(',').map((s) => s.trim()) as InvariantName[] | undefined;
for (const name of only ?? []) {
  if (!INVARIANTS.includes(name))
    throw new Error(`unknown invariant ${name}; known: ${INVARIANTS.join(', ')}`);
}
const overrides: SimOverrides = {
  steps: Number(values.steps),
  ...(only ? { invariants: only } : {}),
  ...(values['no-faults'] ? { faults: NO_FAULTS } : {}),
  // A soak tallies every invariant a seed breaks; a replay stops at the first.
  stopAtFirst: values.seed !== undefined && !values.all,
};

function printFailure(result: SimResult, full: boolean): void {
  const first = result.violations[0]!;
  const where = first.step > result.steps ? 'at quiescence' : `at step ${first.step}`;
  console.log(`seed ${result.seed}: ${first.invariant} ${where}: ${first.message}`);
  if (!full) return;
  for (const extra of result.violations.slice(1, 10))
    console.log(`  also ${extra.invariant}: ${extra.message}`);
  console.log(`  trace (last ${result.trace.length} events):`);
  for (const line of result.trace) console.log(`    ${line}`);
  console.log(
    `  replay: npm run sim -- --seed ${result.seed} --steps ${result.steps}${only ? ` --only ${only.join(',')}` : ''}`,
  );
}

if (values.seed !== undefined) {
  const result = await runSimulation(Number(values.seed), { ...overrides, traceLines: Number(values.trace) });
  if (result.violations.length === 0) {
    console.log(
      `seed ${result.seed}: no violation in ${result.steps} steps (${result.deliveries} deliveries, ${result.virtualSeconds} virtual s)`,
    );
  } else {
    const small = values['no-shrink'] ? result : await shrink(result, overrides);
    if (small !== result) console.log(`shrunk from ${result.steps} to ${small.steps} steps`);
    printFailure(small, true);
    process.exitCode = 1;
  }
} else {
  const seeds = Number(values.seeds);
  const start = Number(values.start);
  const counts = new Map<string, number>();
  let failing = 0;
  let deliveries = 0;
  const began = performance.now();
  for (let seed = start; seed < start + seeds; seed++) {
    const result = await runSimulation(seed, overrides);
    deliveries += result.deliveries;
    if (result.violations.length === 0) continue;
    failing++;
    for (const name of new Set(result.violations.map((v) => v.invariant)))
      counts.set(name, (counts.get(name) ?? 0) + 1);
    printFailure(result, false);
  }
  const seconds = (performance.now() - began) / 1000;
  console.log(
    `\n${seeds} seeds × ${overrides.steps} steps in ${seconds.toFixed(1)} s: ${(seeds / seconds).toFixed(1)} schedules/s, ${Math.round(deliveries / seconds)} deliveries/s`,
  );
  console.log(`${failing} seeds with violations${failing ? ':' : ''}`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${name}: ${n}`);
  if (failing > 0) process.exitCode = 1;
}
