/**
 * `npm run bench`: every benchmark, printed as JSON (for machines) and tables (for people). Speed and memory are
 * measured here, never asserted in tests.
 */
import { benchApiOnFs } from './api-fs';
import { benchBundles } from './bundles';
import { benchDockerLatency } from './docker-latency';
import { benchFuzz } from './fuzz';
import { printTable } from './measure';
import { benchSim } from './sim';
import { benchSweeper } from './sweeper';

const report: Record<string, unknown> = { node: process.version, at: new Date().toISOString() };

const api = await benchApiOnFs();
report.api_fs = api;
printTable('API in process, fs store (ms)', api.results as unknown as Record<string, unknown>[]);
printTable(
  'Orchestrator ÷ raw store',
  Object.entries(api.ratios).map(([what, ratio]) => ({ what, ratio })),
);

const docker = await benchDockerLatency();
report.docker_latency = docker;
if ('skipped' in docker) console.log(`\nDocker latency: skipped (${docker.skipped})`);
else
  printTable('Docker: through the orchestrator vs the Engine API directly (median ms)', [
    docker as unknown as Record<string, unknown>,
  ]);

const sweeper = await benchSweeper();
report.sweeper = sweeper;
printTable(
  'Sweeper: store operations per run vs a naive full scan (list + read every record)',
  sweeper.fleets.map((f) => ({
    workers: f.workers,
    quiet_run_ops: f.quiet.ops_median,
    naive_ops: f.quiet.naive_ops,
    naive_ratio: f.quiet.ratio_naive_to_median,
    due_1pct_ops: f.one_percent_due.ops,
    due_1pct_slept: f.one_percent_due.slept,
    due_naive_ratio: f.one_percent_due.ratio_naive_to_run,
  })),
);
printTable('Store writes per worker-hour, heartbeat every 60 s', [sweeper.heartbeat.per_worker_hour]);

const bundles = await benchBundles();
report.bundles = bundles;
printTable(
  'Function bundles: size and cold import in a fresh Node process',
  bundles.map((row) => ({
    bundle: row.bundle,
    kib: Math.round(row.bytes / 1024),
    zip_kib: Math.round(row.zip_bytes / 1024),
    import_median_ms: row.cold_import_ms.median,
    import_max_ms: row.cold_import_ms.max,
  })),
);

const sim = await benchSim();
report.sim = sim;
printTable('Deterministic simulator (issue 11): schedules per second', [sim]);
const fuzz = await benchFuzz();
report.api_fuzz = fuzz;
printTable('API fuzz: generated requests and their answers (no 5xx allowed)', [
  {
    runs: fuzz.runs,
    routes: fuzz.routes,
    v1_runs: fuzz.v1_runs,
    v1_2xx: fuzz.v1_2xx,
    ms: fuzz.ms,
    ...fuzz.by_class,
  },
]);

console.log('\nJSON');
console.log(JSON.stringify(report, null, 2));
