/**
 * The lean-functions scorecard `npm run bench` ends with: every figure of the table the work started from, its
 * value then ("today", measured on this machine before the work), the value this run measures, the goal, and
 * whether it is met. A figure this run could not measure (no Docker engine) says so instead of passing.
 */
import type { BundleBenchRow } from './bundles';
import type { ColdHeartbeatRow } from './cold-start';
import type { RequestOps } from './request-ops';

export interface ScoreRow {
  figure: string;
  today: string;
  now: string;
  goal: string;
  met: 'yes' | 'no' | 'not measured';
}

/** What `npm run bench` reported before the lean-functions work (KiB were whole single-file bundles then). */
export const TODAY = {
  bundleKib: {
    'aws/lifecycle': 845,
    'aliyun/lifecycle': 1343,
    'aliyun/credentials': 1697,
    'aliyun/sweeper': 1364,
  },
  importMs: {
    'aws/lifecycle': 89,
    'aliyun/lifecycle': 146,
    'aliyun/credentials': 189,
    'aliyun/sweeper': 179,
  },
  readsPerHeartbeat: 2,
  writesPerWorkerHour: 12,
  readsPerGet: 2,
  sweeperQuietOps10k: 16,
  dockerWakeRatio: 1.58,
  dockerCreateRatio: 1.5,
  costAws: 145,
} as const;

const GOALS = {
  'aws/lifecycle': { kib: 300, ms: 60 },
  'aliyun/lifecycle': { kib: 600, ms: 100 },
  'aliyun/credentials': { kib: 600, ms: 100 },
  'aliyun/sweeper': { kib: 600, ms: 100 },
} as const;

export interface ScoreInput {
  bundles: BundleBenchRow[];
  coldHeartbeats: ColdHeartbeatRow[];
  requestOps: RequestOps;
  readsPerHeartbeat: number;
  writesPerWorkerHour: number;
  sweeperQuietOps10k: number | undefined;
  docker: { wake_ratio: number; create_ratio: number } | undefined;
  awsMonthlyUsd: number;
}

const yes = (ok: boolean): ScoreRow['met'] => (ok ? 'yes' : 'no');

export function scorecard(input: ScoreInput): ScoreRow[] {
  const rows: ScoreRow[] = [];
  for (const [name, goal] of Object.entries(GOALS) as [keyof typeof GOALS, { kib: number; ms: number }][]) {
    const bundle = input.bundles.find((b) => b.bundle === name);
    if (!bundle) continue;
    const coldKib = Math.round(bundle.cold_bytes / 1024);
    const ms = bundle.cold_import_ms.median;
    rows.push({
      figure: `${name}: KiB loaded at cold start (all files) / cold import`,
      today: `${TODAY.bundleKib[name]} KiB / ${TODAY.importMs[name]} ms`,
      now: `${coldKib} KiB (${Math.round(bundle.bytes / 1024)}) / ${ms} ms`,
      goal: `≤ ${goal.kib} KiB / ≤ ${goal.ms} ms`,
      met: yes(coldKib <= goal.kib && ms <= goal.ms),
    });
  }
  for (const cold of input.coldHeartbeats) {
    rows.push({
      figure: `${cold.bundle}: fresh process → first answered heartbeat (local store)`,
      today: 'not measured',
      now: `${cold.first_heartbeat_ms} ms (HTTP ${cold.status})`,
      goal: 'measured',
      met: yes(cold.status === 204),
    });
  }
  rows.push(
    {
      figure: 'Store reads per heartbeat',
      today: String(TODAY.readsPerHeartbeat),
      now: String(input.readsPerHeartbeat),
      goal: '≤ 1 on average',
      met: yes(input.readsPerHeartbeat <= 1),
    },
    {
      figure: 'Store writes per awake worker-hour (60 s heartbeats)',
      today: String(TODAY.writesPerWorkerHour),
      now: String(input.writesPerWorkerHour),
      goal: '≤ 6',
      met: yes(input.writesPerWorkerHour <= 6),
    },
    {
      figure: 'Store reads per GET /workers/{n}',
      today: String(TODAY.readsPerGet),
      now: String(input.requestOps.get_worker.reads),
      goal: '≤ 1 on average',
      met: yes(input.requestOps.get_worker.reads <= 1),
    },
    {
      figure: 'Sweeper store operations per quiet run, 10,000 awake workers (amortized)',
      today: String(TODAY.sweeperQuietOps10k),
      now: input.sweeperQuietOps10k === undefined ? 'not measured' : String(input.sweeperQuietOps10k),
      goal: '≤ 4',
      met: input.sweeperQuietOps10k === undefined ? 'not measured' : yes(input.sweeperQuietOps10k <= 4),
    },
    {
      figure: 'Docker wake → ready, orchestrator ÷ Engine API directly',
      today: String(TODAY.dockerWakeRatio),
      now: input.docker ? String(input.docker.wake_ratio) : 'not measured (no Docker engine)',
      goal: '≤ 1.10',
      met: input.docker ? yes(input.docker.wake_ratio <= 1.1) : 'not measured',
    },
    {
      figure: 'Docker create → ready, orchestrator ÷ Engine API directly',
      today: String(TODAY.dockerCreateRatio),
      now: input.docker ? String(input.docker.create_ratio) : 'not measured (no Docker engine)',
      goal: '≤ 1.15',
      met: input.docker ? yes(input.docker.create_ratio <= 1.15) : 'not measured',
    },
    {
      figure: '1,000 awake workers, AWS, per month (API Gateway front door)',
      today: `≈ $${TODAY.costAws}`,
      now: `$${input.awsMonthlyUsd}`,
      goal: '≤ $50',
      met: yes(input.awsMonthlyUsd <= 50),
    },
  );
  return rows;
}
