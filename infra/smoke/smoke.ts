/**
 * `npm run smoke -- --cloud aliyun|aws [--dry-run] [--yes] [--creators N]`: an opt-in check, against the
 * user's own account, of the provider behaviours the fakes only assume (the table in docs-cloud-assumptions.md).
 *
 * It prints its plan first. `--dry-run` stops there (no credentials, no network). A real run needs `--yes`;
 * credentials come from the usual variables (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `_SECURITY_TOKEN`;
 * on AWS the SDK's default chain); everything it creates is named and tagged with the run id and removed at the
 * end. It prints a table of expected vs observed per step, and exits 1 if any step failed.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import type { Env } from '../../src/config/env';
import { ossBucketUnversioned, ossClientFor, ossCreateRace, type StepResult } from './oss-steps';
import { type Cloud, describeSmokePlan, STEPS } from './plan';

export interface SmokeOptions {
  out?: (line: string) => void;
  /** The run id (default: time-based); names and tags everything the run creates. */
  run?: string;
}

const flag = (argv: string[], name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};

export function table(results: StepResult[]): string {
  const rows = [
    ['step', 'expected', 'observed', 'result'],
    ...results.map((r) => [
      r.id,
      r.expected,
      r.observed,
      r.pass ? 'PASS' : r.observed.startsWith('skipped') ? 'SKIP' : 'FAIL',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')).join('\n');
}

export async function main(argv: string[], env: Env, options: SmokeOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const cloud = flag(argv, '--cloud') as Cloud | undefined;
  if (cloud !== 'aliyun' && cloud !== 'aws') {
    out('usage: npm run smoke -- --cloud aliyun|aws [--dry-run] [--yes] [--creators N]');
    return 2;
  }
  const creators = Number(flag(argv, '--creators') ?? 10);
  const run = options.run ?? `smoke-${Date.now().toString(36)}`;
  const region = env.OSS_REGION ?? `oss-${env.FC_REGION ?? 'cn-hangzhou'}`;
  const settings: Record<string, string> =
    cloud === 'aliyun'
      ? {
          OSS_BUCKET: env.OSS_BUCKET ?? '<unset>',
          OSS_REGION: region,
          OSS_ENDPOINT: env.OSS_ENDPOINT ?? '(regional)',
          creators: String(creators),
        }
      : { S3_BUCKET: env.S3_BUCKET ?? '<unset>', ECS_CLUSTER: env.ECS_CLUSTER ?? '<unset>' };
  out(describeSmokePlan(cloud, run, settings));
  if (argv.includes('--dry-run')) {
    out('Dry run: nothing was sent.');
    return 0;
  }
  if (!argv.includes('--yes')) {
    out('Not running: this creates (and then removes) resources in your account. Add --yes to run it.');
    return 1;
  }
  const results: StepResult[] = [];
  const skip = (id: string, why: string) =>
    results.push({
      id,
      expected: STEPS[cloud].find((s) => s.id === id)!.expected,
      observed: `skipped: ${why}`,
      pass: false,
    });
  if (cloud === 'aliyun') {
    const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    if (!env.OSS_BUCKET || !accessKeyId || !accessKeySecret) {
      out(
        'Not running: OSS_BUCKET, ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required.',
      );
      return 1;
    }
    const client = ossClientFor({
      bucket: env.OSS_BUCKET,
      region,
      ...(env.OSS_ENDPOINT ? { endpoint: env.OSS_ENDPOINT } : {}),
      credentials: {
        accessKeyId,
        accessKeySecret,
        ...(env.ALIBABA_CLOUD_SECURITY_TOKEN ? { securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN } : {}),
      },
      creators,
    });
    const attempt = async (id: string, step: () => Promise<StepResult>) => {
      try {
        results.push(await step());
      } catch (error) {
        const e = error as { code?: string; status?: number; message?: string };
        results.push({
          id,
          expected: STEPS.aliyun.find((s) => s.id === id)!.expected,
          observed: `error: ${e.code ?? e.message} (${e.status ?? '?'})`,
          pass: false,
        });
      }
    };
    await attempt('oss-bucket-unversioned', () => ossBucketUnversioned(client, env.OSS_BUCKET!));
    await attempt('oss-create-race', () => ossCreateRace(client, run, creators));
  }
  for (const step of STEPS[cloud]) if (!step.implemented) skip(step.id, 'not implemented in this version');
  out(table(results));
  const failed = results.filter((r) => !r.pass && !r.observed.startsWith('skipped'));
  out(failed.length ? `${failed.length} step(s) failed.` : 'Every step that ran passed.');
  return failed.length ? 1 : 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) process.exitCode = await main(process.argv.slice(2), process.env);
