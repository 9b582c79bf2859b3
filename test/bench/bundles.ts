/**
 * Bundle benchmark for `npm run bench`: builds every function bundle (`infra/build/bundle.ts`) and reports its
 * size (all its files, and the part a cold start loads: the entry and the chunks it imports statically; backend
 * and credential clients wait in chunks loaded on first use), its zip size and its cold import time — the time
 * a fresh Node process takes to import it, which is the part of a cold start the code controls. Measured,
 * never asserted.
 *
 * @example
 * const { rows } = await benchBundles();   // [{ bundle: 'aws/lifecycle', bytes, cold_bytes, zip_bytes, ... }]
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltBundle, buildBundles } from '../../infra/build/bundle';
import type { Platform } from '../../infra/build/targets';

/**
 * A configuration each platform's roots accept at import without any network: what a function's environment
 * holds in production, with placeholder values (importing a bundle composes lazily, so nothing is called).
 */
export const IMPORT_ENV: Record<Platform, Record<string, string>> = {
  aws: {
    AWS_REGION: 'us-east-1',
    S3_BUCKET: 'bench-state',
    MANAGER_API_KEYS: 'bench-manager-key-0123456789',
    ECS_CLUSTER: 'bench',
    ECS_SUBNETS: 'subnet-00000000',
    STS_PROVIDER: 'aws',
    STS_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-worker-data',
  },
  aliyun: {
    FC_REGION: 'cn-hangzhou',
    OSS_BUCKET: 'bench-state',
    MANAGER_API_KEYS: 'bench-manager-key-0123456789',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.bench',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret',
    ALIBABA_CLOUD_SECURITY_TOKEN: 'bench-token',
    STS_PROVIDER: 'aliyun',
    STS_ROLE_ARN: 'acs:ram::1234567890123456:role/bench-worker-data',
  },
};

/** The child's whole program: time one dynamic import, report the duration and the module's export names. */
const IMPORT_PROBE = `
const url = process.argv[1];
const started = performance.now();
const mod = await import(url);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, exports: Object.keys(mod), handler: typeof mod.handler }));
`;

export interface ImportProbe {
  ms: number;
  exports: string[];
  handler: string;
}

/** Imports a built bundle in a fresh Node process (nothing cached) with only `env` (plus PATH) set. */
export async function importInFreshProcess(file: string, env: Record<string, string>): Promise<ImportProbe> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '--no-warnings', '-e', IMPORT_PROBE, pathToFileURL(file).href],
    { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as ImportProbe;
}

export interface BundleBenchRow {
  bundle: string;
  /** Every code file: the entry and all its chunks. */
  bytes: number;
  /** What a cold start loads before the first request (what a heartbeat or a GET pays for). */
  cold_bytes: number;
  /** The five largest contributors to `cold_bytes`, in KiB: packages and source folders. */
  cold_top_kib: Record<string, number>;
  zip_bytes: number;
  cold_import_ms: { min: number; median: number; max: number; runs: number };
}

export async function benchBundles(
  options: { runs?: number; outDir?: string } = {},
): Promise<{ rows: BundleBenchRow[]; built: BuiltBundle[] }> {
  const runs = options.runs ?? 5;
  const built = await buildBundles({ zip: true, ...(options.outDir ? { outDir: options.outDir } : {}) });
  const rows: BundleBenchRow[] = [];
  for (const bundle of built) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++)
      samples.push((await importInFreshProcess(bundle.file, IMPORT_ENV[bundle.platform])).ms);
    samples.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    rows.push({
      bundle: `${bundle.platform}/${bundle.fn}`,
      bytes: bundle.bytes,
      cold_bytes: bundle.coldBytes,
      cold_top_kib: Object.fromEntries(
        Object.entries(bundle.coldBytesBySource)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([source, bytes]) => [source, Math.round(bytes / 1024)]),
      ),
      zip_bytes: bundle.zip ? (await stat(bundle.zip)).size : 0,
      cold_import_ms: {
        min: round(samples[0]!),
        median: round(samples[Math.floor(samples.length / 2)]!),
        max: round(samples.at(-1)!),
        runs,
      },
    });
  }
  return { rows, built };
}
