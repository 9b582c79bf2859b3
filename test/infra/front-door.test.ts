/**
 * The `frontDoor` param, packaged offline by the real osls CLI: `functionUrl` replaces API Gateway by Lambda
 * function URLs (the default, `httpApi`, is what serverless.test.ts checks), and is refused without the URL
 * workers are to be given.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/build/targets';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON, read field by field
type Resource = { Type: string; Properties: Record<string, any> };

const packageWith = async (vars: Record<string, string>, outDir: string) =>
  promisify(execFile)(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
      'package',
      '--stage',
      'test',
      '--package',
      outDir,
    ],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ECS_SUBNETS: 'subnet-0aaa', ...vars },
      timeout: 240_000,
    },
  );

let outDir: string;
let resources: Record<string, Resource>;
let outputs: Record<string, unknown>;
const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'osls-front-door-'));
  await packageWith({ FRONT_DOOR: 'functionUrl', ORCHESTRATOR_URL: 'https://agents.example.com' }, outDir);
  const template = JSON.parse(
    await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  resources = template.Resources;
  outputs = template.Outputs;
}, 300_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('frontDoor functionUrl', () => {
  it('gives lifecycle, ensureReady and credentials a function URL each (auth in the app) and builds no gateway', () => {
    const urls = of('AWS::Lambda::Url').map(([, r]) => [r.Properties.TargetFunctionArn['Fn::GetAtt'][0], r]);
    expect(urls.map(([fn]) => fn).sort()).toEqual([
      'CredentialsLambdaFunction',
      'EnsureReadyLambdaFunction',
      'LifecycleLambdaFunction',
    ]);
    for (const [, url] of urls) expect((url as Resource).Properties.AuthType).toBe('NONE');
    expect(Object.values(resources).filter((r) => r.Type.startsWith('AWS::ApiGatewayV2::'))).toEqual([]);
    // Each URL is a stack output (the README's second deploy reads LifecycleLambdaFunctionUrl).
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'LifecycleLambdaFunctionUrl',
        'EnsureReadyLambdaFunctionUrl',
        'CredentialsLambdaFunctionUrl',
      ]),
    );
    // The sweeper keeps its schedule and gets no URL.
    expect(of('AWS::Events::Rule')).toHaveLength(1);
  });

  it('hands workers the given URL, and lets lifecycle answer ensure-ready without waiting', () => {
    const env = (fn: string) => resources[fn]!.Properties.Environment.Variables;
    for (const fn of ['LifecycleLambdaFunction', 'EnsureReadyLambdaFunction', 'SweeperLambdaFunction'])
      expect(env(fn).ORCHESTRATOR_URL).toBe('https://agents.example.com');
    expect(env('LifecycleLambdaFunction').ENSURE_READY_MAX_SECONDS).toBe('0');
    expect(env('EnsureReadyLambdaFunction').ENSURE_READY_MAX_SECONDS).toBe('20');
    expect(resources.EnsureReadyLambdaFunction!.Properties.ReservedConcurrentExecutions).toBe(5);
  });

  it("alarms on the function URLs' 5xx rate instead of the gateway's", () => {
    const metrics = resources.Api5xxRateAlarm!.Properties.Metrics as {
      MetricStat?: { Metric: { Namespace: string; MetricName: string } };
    }[];
    const names = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(new Set(names)).toEqual(new Set(['Url5xxCount', 'UrlRequestCount']));
    expect(names).toHaveLength(6);
    expect(JSON.stringify(resources.Api5xxRateAlarm)).not.toContain('HttpApi');
  });

  it('refuses to package without ORCHESTRATOR_URL, and an unknown front door, saying why', async () => {
    const refusal = (vars: Record<string, string>) =>
      packageWith(vars, join(outDir, 'refused')).then(
        () => 'accepted',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout}${error.stderr}`,
      );
    expect(await refusal({ FRONT_DOOR: 'functionUrl' })).toContain(
      'frontDoor functionUrl needs orchestratorUrl (ORCHESTRATOR_URL)',
    );
    expect(await refusal({ FRONT_DOOR: 'cloudfront' })).toContain(
      'frontDoor (FRONT_DOOR) must be httpApi or functionUrl, got "cloudfront"',
    );
  }, 120_000);
});
