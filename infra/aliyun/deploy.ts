/**
 * `npm run deploy:aliyun [-- [deploy|remove] [--dry-run]]`: deploys the four functions to Alibaba Cloud Function
 * Compute 3.0 (lifecycle, ensure-ready on the lifecycle bundle with a reserved concurrency, credentials, sweeper),
 * or removes them (`remove.ts`).
 *
 * A deploy builds the FC bundles and their zips, renders the RAM policies (`dist/aliyun/ram-policies/`) and the
 * CloudMonitor alarm rules (`dist/aliyun/alarms.json`), prints the plan, and then (unless `--dry-run`) creates or
 * updates each function (and ensure-ready's reserved concurrency), its HTTP trigger, the sweeper's timer and the
 * optional custom domain, and prints the endpoint. A second run updates in place. `--dry-run` needs no
 * credentials and sends nothing, and exits 1 when a setting a real run needs is missing (listing all of them), so
 * a dry run in CI fails where the deploy would. An unknown option or command is refused before anything runs: a
 * typo such as `--dryrun` never deploys. Settings: `infra/aliyun/settings.ts` and the README.
 *
 * @module
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../../src/config/env';
import { buildBundles } from '../build/bundle';
import { DEFAULT_OUT_DIR } from '../build/targets';
import { writeAlarmRules } from './alarms';
import { applyPlan } from './apply';
import { parseDeployArgs, USAGE, UsageError } from './cli-args';
import { createFcApi, DeployError } from './fc-api';
import { buildPlan, describePlan } from './plan';
import { writePolicies } from './policies';
import { applyRemoval, describeRemoval, removalSteps } from './remove';
import { readDeploySettings } from './settings';

export interface DeployOptions {
  out?: (line: string) => void;
  /** Where bundles, zips and rendered policies go (default `dist/`). */
  outDir?: string;
}

/** What npm sets when `--dry-run` (or the `--dryrun` typo) is given before `--`. */
const NPM_SWALLOWED_FLAGS = ['npm_config_dry_run', 'npm_config_dryrun'];

/** Returns the process exit code: 0 done (or planned), 1 refused or failed (with the reason printed). */
export async function main(argv: string[], env: Env, options: DeployOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  let args: ReturnType<typeof parseDeployArgs>;
  try {
    args = parseDeployArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out(`${error.message}\n${USAGE}`);
    return 2;
  }
  // `npm run deploy:aliyun --dry-run` (no `--`) hands the flag to npm, which passes the script no argument and sets
  // npm_config_dry_run instead: without this check that "dry run" would deploy, or remove, for real.
  const swallowed = NPM_SWALLOWED_FLAGS.find((name) => env[name] !== undefined && env[name] !== '');
  if (swallowed) {
    out(
      `npm took a flag meant for this script (${swallowed} is set): put it after \`--\`, e.g. npm run deploy:aliyun -- --dry-run\n${USAGE}`,
    );
    return 2;
  }
  const { dryRun } = args;
  const removing = args.command === 'remove';
  const settings = readDeploySettings(env, { dryRun, removing });
  try {
    if (removing) {
      const steps = removalSteps(settings);
      out(dryRun ? 'Removal (dry run: nothing is sent)' : 'Removal');
      out(describeRemoval(settings, steps));
      if (settings.missing.length > 0) return refuse(out, dryRun, 'removing', settings.missing.length);
      if (dryRun) return 0;
      await applyRemoval(steps, createFcApi(settings), out);
      return 0;
    }
    const bundles = await buildBundles({ platform: 'aliyun', zip: true, outDir });
    const plan = await buildPlan(settings, bundles);
    const policies = await writePolicies(settings, join(outDir, 'aliyun', 'ram-policies'));
    out(dryRun ? 'Plan (dry run: nothing is sent)' : 'Plan');
    out(describePlan(plan));
    out(
      `RAM policies for this deployment: ${policies.length} documents in ${join(outDir, 'aliyun', 'ram-policies')}`,
    );
    const alarms = join(outDir, 'aliyun', 'alarms.json');
    out(
      `CloudMonitor alarm rules: ${await writeAlarmRules(settings, alarms)} in ${alarms} (README: apply them)`,
    );
    if (plan.problems.length > 0) return refuse(out, dryRun, 'deploying', plan.problems.length);
    if (dryRun) return 0;
    const result = await applyPlan(plan, createFcApi(settings), out);
    out(`Endpoint: ${result.endpoint}`);
    for (const [fn, url] of Object.entries(result.urls)) out(`  ${fn}: ${url}`);
    return 0;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    out(error.message);
    return 1;
  }
}

/** A run with settings missing stops with 1, a dry run too: it is the check a CI job runs before the deploy. */
function refuse(out: (line: string) => void, dryRun: boolean, what: string, count: number): number {
  out(
    dryRun
      ? `Dry run failed: a real run would refuse ${what}, ${count} setting(s) missing or invalid (listed above).`
      : `Not ${what}: ${count} setting(s) missing or invalid (listed above).`,
  );
  return 1;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) process.exitCode = await main(process.argv.slice(2), process.env);
