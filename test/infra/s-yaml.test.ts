/**
 * `s.yaml` (Serverless Devs, fc3 component) in step with `npm run deploy:aliyun`: the committed file is what
 * `infra/aliyun/s-yaml.ts` writes, and, read back as YAML, it names the same functions, handlers, sizes, reserved
 * concurrency, environment variable names and triggers as the script's own plan.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as load } from 'yaml';
import { environmentNames, FC_FUNCTIONS } from '../../infra/aliyun/function-env';
import { buildPlan, type DeployPlan } from '../../infra/aliyun/plan';
import { renderSYaml, S_YAML } from '../../infra/aliyun/s-yaml';
import { readDeploySettings } from '../../infra/aliyun/settings';
import { buildBundles } from '../../infra/build/bundle';

type Props = Record<string, unknown> & {
  functionName: string;
  environmentVariables: Record<string, string>;
  triggers: { triggerName: string; triggerType: string; triggerConfig: unknown }[];
  concurrencyConfig?: { reservedConcurrency: unknown };
};

let outDir: string;
let plan: DeployPlan;
let committed: string;

beforeAll(async () => {
  committed = await readFile(S_YAML, 'utf8');
  outDir = await mkdtemp(join(tmpdir(), 's-yaml-'));
  // Every variable any function receives is set, so the plan's environments list every name they can hold.
  const everything = Object.fromEntries(
    FC_FUNCTIONS.flatMap((fn) => environmentNames(fn).forwarded).map((name) => [name, 'set']),
  );
  const settings = readDeploySettings(
    { ...everything, FC_ACCOUNT_ID: '1234567890123456', ORCHESTRATOR_URL: 'https://agents.example.com' },
    { dryRun: true },
  );
  plan = await buildPlan(settings, await buildBundles({ platform: 'aliyun', zip: true, outDir }));
}, 120_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('s.yaml for Serverless Devs', () => {
  it('is what infra/aliyun/s-yaml.ts writes (run it after changing the script)', () => {
    expect(committed).toBe(renderSYaml());
  });

  it("deploys the script's functions: same names, runtime, handler, sizes, reserved concurrency and code", () => {
    const resources = (load(committed) as { resources: Record<string, { component: string; props: Props }> })
      .resources;
    expect(Object.keys(resources)).toEqual(plan.functions.map((f) => f.fn));
    for (const f of plan.functions) {
      const { component, props } = resources[f.fn]!;
      expect(component).toBe('fc3');
      expect(props.functionName).toBe(`\${env('FC_FUNCTION_PREFIX', 'worker-orchestrator')}-${f.fn}`);
      expect(props).toMatchObject({
        runtime: f.runtime,
        handler: f.handler,
        cpu: f.cpu,
        memorySize: f.memorySize,
        timeout: f.timeout,
        diskSize: f.diskSize,
      });
      // The directory the zip is made of: the entry and whatever the build emits beside it.
      expect(props.code).toBe(
        `./${join(
          'dist/aliyun',
          f.zip.path
            .split('/')
            .pop()!
            .replace(/\.zip$/, ''),
        )}`,
      );
      expect(props.concurrencyConfig === undefined).toBe(f.reservedConcurrency === undefined);
    }
  });

  it("gives each function exactly the script's environment names, and its fixed values", () => {
    const resources = (load(committed) as { resources: Record<string, { props: Props }> }).resources;
    for (const f of plan.functions) {
      const env = resources[f.fn]!.props.environmentVariables;
      expect(Object.keys(env).sort(), f.fn).toEqual(Object.keys(f.environment).sort());
      for (const [name, value] of Object.entries(environmentNames(f.fn).fixed)) expect(env[name]).toBe(value);
      expect(f.environment.STATE_STORE).toBe('oss');
    }
  });

  it("creates the script's triggers: the HTTP triggers with their methods, the sweeper's one-minute timer", () => {
    const resources = (load(committed) as { resources: Record<string, { props: Props }> }).resources;
    for (const f of plan.functions) {
      const expected = plan.triggers
        .filter((t) => t.functionName === f.name)
        .map((t) => ({ triggerName: t.name, triggerType: t.type, triggerConfig: t.config }));
      const actual = resources[f.fn]!.props.triggers.map(({ triggerName, triggerType, triggerConfig }) => ({
        triggerName,
        triggerType,
        triggerConfig,
      }));
      expect(actual, f.fn).toEqual(expected);
    }
  });
});
