/**
 * What orchestration costs per month, from the bench's measured operations × the list prices in `prices.ts`:
 * 1,000 awake workers heartbeating every 60 s (AWS and Alibaba Cloud), and the sweeper at 10,000 workers, one
 * run a minute. Function time is billed as the measured warm heartbeat (CPU, against a local store) plus one
 * assumed in-region store latency per store request the heartbeat makes in turn.
 */
import { price } from './prices';

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const AWAKE_WORKERS = 1_000;
export const SWEEPER_FLEET = 10_000;
const HEARTBEATS_PER_WORKER_HOUR = 60;

/** The function sizes the deploy configures (serverless.yml; infra/aliyun's function settings). */
export const FUNCTION_SIZE = {
  aws: { lifecycleGb: 0.5, sweeperGb: 0.5 },
  aliyun: { lifecycleGb: 0.5, lifecycleVcpu: 0.5, sweeperGb: 0.5, sweeperVcpu: 0.5 },
};

export interface MeasuredOps {
  /** Store reads per heartbeat (average). */
  readsPerHeartbeat: number;
  /** Store writes (puts and deletes) per awake worker-hour at one heartbeat a minute. */
  writesPerWorkerHour: number;
  /** A warm heartbeat's own time against a local store, ms (no network latency). */
  warmHeartbeatMs: number;
  /** Store operations per quiet sweeper run at `SWEEPER_FLEET` workers, amortized. */
  sweeperOpsPerRun: number;
}

export interface CostLine {
  cloud: 'AWS' | 'Alibaba Cloud';
  what: string;
  quantity_per_month: number;
  usd_per_month: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Assumed: the latency of one small-object store request inside a region, which a function is billed for while
 * it waits. The bench measures against a local store, so this is added per store request the function waits on.
 */
export const ASSUMED_STORE_LATENCY_MS = 20;

/** Billed seconds of one invocation: its own time plus one store latency per store request it waits on. */
function billedSeconds(ownMs: number, storeRequests: number): number {
  return (ownMs + storeRequests * ASSUMED_STORE_LATENCY_MS) / 1000;
}

/** 1,000 awake workers for a month, per cloud, line by line. `frontDoor` picks API Gateway or a function URL. */
export function awakeFleetCost(
  ops: MeasuredOps,
  frontDoor: 'gateway' | 'function-url' = 'gateway',
): CostLine[] {
  const heartbeats = AWAKE_WORKERS * HEARTBEATS_PER_WORKER_HOUR * HOURS_PER_MONTH;
  const reads = heartbeats * ops.readsPerHeartbeat;
  const writes = AWAKE_WORKERS * HOURS_PER_MONTH * ops.writesPerWorkerHour;
  const storeRequestsPerHeartbeat =
    ops.readsPerHeartbeat + ops.writesPerWorkerHour / HEARTBEATS_PER_WORKER_HOUR;
  const seconds = heartbeats * billedSeconds(ops.warmHeartbeatMs, storeRequestsPerHeartbeat);
  const cu = price('fc_cu');
  const line = (cloud: CostLine['cloud'], what: string, quantity: number, usd: number): CostLine => ({
    cloud,
    what,
    quantity_per_month: Math.round(quantity),
    usd_per_month: round2(usd),
  });
  return [
    frontDoor === 'gateway'
      ? line('AWS', 'API Gateway HTTP API requests', heartbeats, heartbeats * price('apigw_http_request'))
      : line('AWS', 'Lambda function URL requests', heartbeats, heartbeats * price('lambda_url_request')),
    line('AWS', 'Lambda requests', heartbeats, heartbeats * price('lambda_request')),
    line(
      'AWS',
      'Lambda GB-seconds (arm64)',
      seconds * FUNCTION_SIZE.aws.lifecycleGb,
      seconds * FUNCTION_SIZE.aws.lifecycleGb * price('lambda_arm_gb_second'),
    ),
    line('AWS', 'S3 GET requests', reads, reads * price('s3_get')),
    line('AWS', 'S3 PUT requests', writes, writes * price('s3_put_list')),
    line(
      'Alibaba Cloud',
      'FC HTTP trigger requests',
      heartbeats,
      heartbeats * price('fc_http_trigger_request'),
    ),
    line('Alibaba Cloud', 'FC invocations', heartbeats, heartbeats * price('fc_cu_per_10k_invocations') * cu),
    line(
      'Alibaba Cloud',
      'FC vCPU-seconds',
      seconds * FUNCTION_SIZE.aliyun.lifecycleVcpu,
      seconds * FUNCTION_SIZE.aliyun.lifecycleVcpu * price('fc_cu_per_vcpu_second') * cu,
    ),
    line(
      'Alibaba Cloud',
      'FC GB-seconds',
      seconds * FUNCTION_SIZE.aliyun.lifecycleGb,
      seconds * FUNCTION_SIZE.aliyun.lifecycleGb * price('fc_cu_per_gb_second') * cu,
    ),
    line('Alibaba Cloud', 'OSS GET requests', reads, reads * price('oss_get')),
    line('Alibaba Cloud', 'OSS PUT requests', writes, writes * price('oss_put')),
  ];
}

/**
 * The sweeper at `SWEEPER_FLEET` workers, one quiet run a minute. Its store operations are mostly listings,
 * priced as S3 prices a LIST (the PUT class: an upper bound for the reads among them) and OSS a GET.
 */
export function sweeperCost(ops: MeasuredOps): CostLine[] {
  const runs = HOURS_PER_MONTH * 60;
  const storeOps = runs * ops.sweeperOpsPerRun;
  const seconds = runs * billedSeconds(0, ops.sweeperOpsPerRun);
  const cu = price('fc_cu');
  const line = (cloud: CostLine['cloud'], what: string, quantity: number, usd: number): CostLine => ({
    cloud,
    what,
    quantity_per_month: Math.round(quantity),
    usd_per_month: round2(usd),
  });
  return [
    line('AWS', 'Lambda requests', runs, runs * price('lambda_request')),
    line(
      'AWS',
      'Lambda GB-seconds (arm64)',
      seconds * FUNCTION_SIZE.aws.sweeperGb,
      seconds * FUNCTION_SIZE.aws.sweeperGb * price('lambda_arm_gb_second'),
    ),
    line('AWS', 'S3 requests (LIST/PUT class)', storeOps, storeOps * price('s3_put_list')),
    line('Alibaba Cloud', 'FC invocations', runs, runs * price('fc_cu_per_10k_invocations') * cu),
    line(
      'Alibaba Cloud',
      'FC vCPU- and GB-seconds',
      seconds,
      seconds *
        (FUNCTION_SIZE.aliyun.sweeperVcpu * price('fc_cu_per_vcpu_second') +
          FUNCTION_SIZE.aliyun.sweeperGb * price('fc_cu_per_gb_second')) *
        cu,
    ),
    line('Alibaba Cloud', 'OSS requests (GET class)', storeOps, storeOps * price('oss_get')),
  ];
}

export function totalByCloud(lines: CostLine[]): Record<CostLine['cloud'], number> {
  const total = { AWS: 0, 'Alibaba Cloud': 0 };
  for (const l of lines) total[l.cloud] += l.usd_per_month;
  return { AWS: round2(total.AWS), 'Alibaba Cloud': round2(total['Alibaba Cloud']) };
}
