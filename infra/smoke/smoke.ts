/**
 * `npm run smoke -- --cloud aliyun|aws [--dry-run] [--yes] [--creators N]`: an opt-in check, against the
 * user's own account, of the provider behaviours the fakes only assume (the README's cloud-assumptions table).
 *
 * It prints its plan first. `--dry-run` stops there (no credentials, no network). A real run needs `--yes`.
 * Settings are the product's own variables (`OSS_*`, `SAE_*`, `ECS_*`, `S3_*`, `STS_*`, `FC_*`) plus a few
 * `SMOKE_*` ones; credentials come from `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `_SECURITY_TOKEN`, and on
 * AWS from `AWS_*` or the SDK's default chain. A step whose settings are missing is skipped, saying which.
 * Everything a step creates is named (and tagged) for the run and removed when the step ends, whatever its
 * outcome. It prints a table of expected vs observed per step, and exits 1 if any row failed.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import type { Env } from '../../src/config/env';
import { ecsLifecycle } from './ecs-lifecycle';
import { fcRouteLayout } from './fc-route-layout';
import { ossBucketUnversioned } from './oss-bucket-unversioned';
import { ossCreateRace } from './oss-create-race';
import { type Cloud, describeSmokePlan, STEPS } from './plan';
import { runStep, table } from './runner';
import { s3CreateRace } from './s3-create-race';
import { saeLifecycle } from './sae-lifecycle';
import { pollingFrom } from './settings';
import type { SmokeStepRunner, StepResult } from './step';
import { stsScopeAliyun } from './sts-scope-aliyun';
import { stsScopeAws } from './sts-scope-aws';

export { table } from './runner';

export interface SmokeOptions {
  out?: (line: string) => void;
  /** The run id (default: time-based); names and tags everything the run creates. */
  run?: string;
}

/** In the order they run: quick checks first, the lifecycles (minutes each on a real cloud) last. */
const RUNNERS: Record<Cloud, SmokeStepRunner[]> = {
  aliyun: [ossBucketUnversioned, ossCreateRace, stsScopeAliyun, fcRouteLayout, saeLifecycle],
  aws: [s3CreateRace, stsScopeAws, ecsLifecycle],
};

const flag = (argv: string[], name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};

export async function main(argv: string[], env: Env, options: SmokeOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const cloud = flag(argv, '--cloud') as Cloud | undefined;
  const creators = Number(flag(argv, '--creators') ?? 10);
  if ((cloud !== 'aliyun' && cloud !== 'aws') || !Number.isInteger(creators) || creators < 2) {
    out('usage: npm run smoke -- --cloud aliyun|aws [--dry-run] [--yes] [--creators N (at least 2)]');
    return 2;
  }
  // Lower case and short: it goes into resource names (SAE AppName, FC function names, worker names).
  const run = options.run ?? `smoke-${Date.now().toString(36)}`;
  out(describeSmokePlan(cloud, run, env));
  if (argv.includes('--dry-run')) {
    out('Dry run: nothing was sent.');
    return 0;
  }
  if (!argv.includes('--yes')) {
    out('Not running: this creates (and then removes) resources in your account. Add --yes to run it.');
    return 1;
  }
  const polling = pollingFrom(env);
  const results: StepResult[] = [];
  for (const step of RUNNERS[cloud]) {
    const expected = STEPS[cloud].find((s) => s.id === step.id)?.expected ?? '';
    out(`running ${step.id}`);
    results.push(...(await runStep(step, { run, env, polling, creators, log: out, expected })));
  }
  out(table(results));
  if (results.every((r) => r.skipped)) {
    // A run that checked nothing must not read as a pass (in a script, say).
    out('Nothing ran: every step lacks a setting (see the plan above).');
    return 1;
  }
  const failed = results.filter((r) => !r.pass && !r.skipped);
  const skipped = results.filter((r) => r.skipped).length;
  out(
    failed.length
      ? `${failed.length} row(s) failed.`
      : `Every step that ran passed${skipped ? ` (${skipped} skipped: see why above)` : ''}.`,
  );
  return failed.length ? 1 : 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) process.exitCode = await main(process.argv.slice(2), process.env);
