/**
 * `npm run bench`: every benchmark, printed as JSON (for machines) and tables (for people). Speed and memory are
 * measured here, never asserted in tests.
 */
import { benchApiOnFs } from './api-fs';
import { benchBundles } from './bundles';
import { benchColdHeartbeat } from './cold-start';
import { awakeFleetCost, type MeasuredOps, SWEEPER_FLEET, sweeperCost, totalByCloud } from './cost';
import { benchDockerLatency } from './docker-latency';
import { benchFuzz } from './fuzz';
import { scorecard } from './issue-table';
import { printTable } from './measure';
import { benchRequestOps } from './request-ops';
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

const { rows: bundles, built } = await benchBundles();
report.bundles = bundles;
printTable(
  'Function bundles: size (all files, and what a cold start loads) and cold import in a fresh Node process',
  bundles.map((row) => ({
    bundle: row.bundle,
    kib: Math.round(row.bytes / 1024),
    cold_kib: Math.round(row.cold_bytes / 1024),
    zip_kib: Math.round(row.zip_bytes / 1024),
    import_median_ms: row.cold_import_ms.median,
    import_max_ms: row.cold_import_ms.max,
    cold_start_holds_kib: Object.entries(row.cold_top_kib)
      .map(([source, kib]) => `${source} ${kib}`)
      .join(', '),
  })),
);

const coldHeartbeats = await benchColdHeartbeat(built);
report.cold_heartbeat = coldHeartbeats;
printTable(
  'Cold start: fresh process → first answered heartbeat, through the lifecycle bundle, local protocol-fake store (ms)',
  coldHeartbeats as unknown as Record<string, unknown>[],
);

const requestOps = await benchRequestOps();
report.request_ops = requestOps;
printTable('Store operations per request (average of many, memory store)', [
  { request: 'GET /workers/{name}', ...requestOps.get_worker },
  { request: 'POST /workers/{name}/ready (heartbeat)', ...requestOps.heartbeat },
]);

const hour = sweeper.heartbeat.per_worker_hour;
const measured: MeasuredOps = {
  readsPerHeartbeat: Math.round((hour.store_reads / hour.heartbeats) * 100) / 100,
  writesPerWorkerHour: hour.record_writes + hour.beat_writes + hour.other_writes,
  warmHeartbeatMs: coldHeartbeats.find((row) => row.bundle === 'aws/lifecycle')?.warm_heartbeat_ms ?? 0,
  sweeperOpsPerRun:
    sweeper.fleets.find((fleet) => fleet.workers === SWEEPER_FLEET)?.quiet.ops_mean_over_full_scan_interval ??
    0,
};
const fleet = awakeFleetCost(measured);
const fleetViaUrl = awakeFleetCost(measured, 'function-url');
const sweeping = sweeperCost(measured);
report.cost = {
  measured,
  awake_1000: fleet,
  awake_1000_total: totalByCloud(fleet),
  awake_1000_function_url_total: totalByCloud(fleetViaUrl),
  sweeper_10000: sweeping,
  sweeper_10000_total: totalByCloud(sweeping),
};
printTable('Cost inputs, measured above', [measured as unknown as Record<string, unknown>]);
printTable(
  '1,000 awake workers, heartbeats every 60 s, per month (USD, list prices: README "Prices")',
  fleet as unknown as Record<string, unknown>[],
);
printTable('Totals per month (USD)', [
  { what: '1,000 awake workers, API Gateway / HTTP trigger', ...totalByCloud(fleet) },
  { what: '1,000 awake workers, Lambda function URL / HTTP trigger', ...totalByCloud(fleetViaUrl) },
  {
    what: `sweeper, ${SWEEPER_FLEET.toLocaleString('en-US')} workers, one run a minute`,
    ...totalByCloud(sweeping),
  },
]);

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

const score = scorecard({
  bundles,
  coldHeartbeats,
  requestOps,
  readsPerHeartbeat: measured.readsPerHeartbeat,
  writesPerWorkerHour: measured.writesPerWorkerHour,
  sweeperQuietOps10k: sweeper.fleets.find((f) => f.workers === SWEEPER_FLEET)?.quiet
    .ops_mean_over_full_scan_interval,
  docker: 'skipped' in docker ? undefined : docker,
  awsMonthlyUsd: totalByCloud(fleet).AWS,
});
report.lean_functions = score;
printTable('Lean functions (issue 14): today, now, goal', score as unknown as Record<string, unknown>[]);

console.log('\nJSON');
console.log(JSON.stringify(report, null, 2));
