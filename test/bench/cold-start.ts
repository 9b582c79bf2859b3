/**
 * Cold start for `npm run bench`: the time from a fresh Node process to the first answered heartbeat
 * (`POST /workers/{name}/ready`), through the built lifecycle bundle and its platform's real handler, against a
 * local store: the protocol-level fake of S3 (AWS) or OSS (Alibaba), both local HTTP servers speaking the real
 * wire format. After that first answer the same process sends warm heartbeats, whose median is what a warm
 * instance spends per heartbeat (the cost model bills it). Measured, never asserted.
 *
 * The function is configured as in production (the cloud backend named in BACKENDS, so composing it is part of
 * the cold start) plus the `fake` backend the benchmark's worker lives on. One process seeds the worker (create,
 * first report); every measured run is a new process that has never seen it.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BuiltBundle } from '../../infra/build/bundle';
import type { Platform } from '../../infra/build/targets';
import { FakeOssServer } from '../support/fakes/oss';
import { FakeS3Server } from '../support/fakes/s3';
import { IMPORT_ENV } from './bundles';

const BUCKET = 'bench-state';
const WORKER = 'cold';
const WARM_HEARTBEATS = 30;
const IMAGE = 'registry.example.com/agents/worker:1';

/**
 * The child's program: import the bundle, then send each request as its platform's event (API Gateway HTTP API
 * payload 2.0 on AWS, FC's HTTP-trigger event on Alibaba). `performance.now()` counts from the process's start.
 */
const PROBE = `
const [url, platform, plan] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
const importStarted = performance.now();
const { handler } = await import(url);
const importMs = performance.now() - importStarted;
const event = (method, path, key, body) => {
  const headers = { host: 'bench.example.com', 'content-type': 'application/json', authorization: 'Bearer ' + key };
  if (platform === 'aws')
    return { version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers,
      requestContext: { domainName: 'bench.example.com', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7' },
        requestId: String(Math.random()), stage: '$default', timeEpoch: Date.now() },
      body, isBase64Encoded: false };
  return Buffer.from(JSON.stringify({ version: 'v1', rawPath: path, body, isBase64Encoded: false, headers,
    queryParameters: {}, requestContext: { domainName: 'bench.example.com', requestId: String(Math.random()),
      http: { method, path, sourceIp: '203.0.113.7' } } }));
};
const context = { requestId: 'bench', credentials: plan.credentials };
const send = async (r) => {
  const res = await handler(event(r.method, r.path, r.key, r.body), context);
  let json; try { json = JSON.parse(res.body ? Buffer.from(res.body, res.isBase64Encoded ? 'base64' : 'utf8').toString() : ''); } catch {}
  return { status: res.statusCode, json };
};
const answers = []; // a key of '$created' is the api_key the first answer (a create) returned
for (const r of plan.requests) answers.push(await send(r.key === '$created' ? { ...r, key: answers[0].json.api_key } : r));
const firstAnsweredMs = performance.now();
for (const r of plan.after ?? []) answers.push(await send(r));
const warm = [];
for (let i = 0; i < plan.warm; i++) {
  const t0 = performance.now();
  const answer = await send(plan.requests.at(-1));
  warm.push(performance.now() - t0);
  if (answer.status >= 300) throw new Error('warm heartbeat answered ' + answer.status + ' ' + JSON.stringify(answer.json));
}
warm.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ importMs, firstAnsweredMs, answers, warmMedianMs: warm[Math.floor(warm.length / 2)] ?? null }));
`;

interface Probe {
  importMs: number;
  firstAnsweredMs: number;
  answers: { status: number; json?: { api_key?: string } }[];
  warmMedianMs: number | null;
}

interface LocalStore {
  env: Record<string, string>;
  credentials?: Record<string, string>;
  close(): Promise<void>;
}

async function localStore(platform: Platform): Promise<LocalStore> {
  if (platform === 'aws') {
    const s3 = new FakeS3Server([BUCKET]);
    const endpoint = await s3.start();
    return {
      env: {
        S3_BUCKET: BUCKET,
        S3_ENDPOINT: endpoint,
        AWS_ACCESS_KEY_ID: 'AKIABENCH0000000001',
        AWS_SECRET_ACCESS_KEY: 'bench-secret',
        BACKENDS: 'ecs,fake',
      },
      close: () => s3.close(),
    };
  }
  const { ALIBABA_CLOUD_ACCESS_KEY_ID: id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret } = IMPORT_ENV.aliyun;
  const oss = new FakeOssServer({ credentials: { [id!]: secret! } });
  const endpoint = await oss.start();
  return {
    env: {
      OSS_BUCKET: BUCKET,
      OSS_ENDPOINT: endpoint,
      BACKENDS: 'sae,fake',
      SAE_NAMESPACE_ID: 'cn-hangzhou:bench',
    },
    credentials: {
      accessKeyId: id!,
      accessKeySecret: secret!,
      securityToken: IMPORT_ENV.aliyun.ALIBABA_CLOUD_SECURITY_TOKEN!,
    },
    close: () => oss.close(),
  };
}

type Request = { method: string; path: string; key: string; body: string };

async function probe(
  bundle: BuiltBundle,
  store: LocalStore,
  requests: Request[],
  warm: number,
  /** Sent after the warm requests, still in the same process. */
  after: Request[] = [],
): Promise<Probe> {
  const plan = { requests, warm, after, credentials: store.credentials };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--input-type=module',
      '--no-warnings',
      '-e',
      PROBE,
      pathToFileURL(bundle.file).href,
      bundle.platform,
      JSON.stringify(plan),
    ],
    { env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV[bundle.platform], ...store.env }, timeout: 60_000 },
  );
  // The functions log one JSON line per request to stdout too: the probe's own answer is the last line.
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Probe;
}

export interface ColdHeartbeatRow {
  bundle: string;
  runs: number;
  /** Median of the fresh processes: importing the bundle. */
  import_ms: number;
  /** Median: from the process's start to the first heartbeat's answer (Node's own start included). */
  first_heartbeat_ms: number;
  /** The first heartbeat's status (204: the worker's report was taken). */
  status: number;
  /** The status of a `GET /workers/{name}` the same process answers next (200: the worker's view). */
  get_status: number;
  /** A warm heartbeat against the local store (no network latency): the lowest of the processes' medians. */
  warm_heartbeat_ms: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** For each lifecycle bundle given: seed a worker, then `runs` fresh processes each answer one heartbeat. */
export async function benchColdHeartbeat(bundles: BuiltBundle[], runs = 5): Promise<ColdHeartbeatRow[]> {
  const rows: ColdHeartbeatRow[] = [];
  for (const bundle of bundles.filter((b) => b.fn === 'lifecycle')) {
    const store = await localStore(bundle.platform);
    try {
      const manager = IMPORT_ENV[bundle.platform].MANAGER_API_KEYS!;
      const ready = (key: string): Request => ({
        method: 'POST',
        path: `/workers/${WORKER}/ready`,
        key,
        body: '{}',
      });
      // Create and first report in one process: that report checks the boot on the (in-process) fake backend.
      // The measured reports are heartbeats of a worker already up, which read the store only.
      const create = {
        method: 'POST',
        path: '/workers',
        key: manager,
        body: JSON.stringify({ name: WORKER, backend: 'fake', image: IMAGE }),
      };
      const seeded = await probe(bundle, store, [create, ready('$created')], 0);
      const key = seeded.answers[0]?.json?.api_key;
      if (!key || seeded.answers[1]?.status !== 204)
        throw new Error(`${bundle.platform}: seeding answered ${JSON.stringify(seeded.answers)}`);
      const heartbeat = ready(key);
      const samples: Probe[] = [];
      const get: Request = { method: 'GET', path: `/workers/${WORKER}`, key: manager, body: '' };
      for (let i = 0; i < runs; i++)
        samples.push(await probe(bundle, store, [heartbeat], WARM_HEARTBEATS, [get]));
      rows.push({
        bundle: `${bundle.platform}/${bundle.fn}`,
        runs,
        import_ms: round(median(samples.map((s) => s.importMs))),
        first_heartbeat_ms: round(median(samples.map((s) => s.firstAnsweredMs))),
        status: samples[0]!.answers[0]!.status,
        get_status: samples[0]!.answers[1]!.status,
        // The least disturbed of the processes' medians: other load on the machine only ever adds time.
        warm_heartbeat_ms: round(Math.min(...samples.map((s) => s.warmMedianMs ?? Number.POSITIVE_INFINITY))),
      });
    } finally {
      await store.close();
    }
  }
  return rows;
}
