/**
 * `serverless.yml`, packaged offline by the real osls CLI (`osls package`, no AWS access), and the CloudFormation
 * template it produces: routes (compared with the app's own route table, so a new route cannot be forgotten),
 * the schedule, the bucket, and least-privilege IAM per function, checked statement by statement.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../infra/build/targets';
import { AWS_PLATFORM, loadCloudConfig, readAwsStsSettings, readEcsSettings } from '../../src/config/cloud';
import { DEFAULT_SETTINGS } from '../../src/lifecycle/model/settings';
import { DEFAULT_SWEEPER_SETTINGS } from '../../src/lifecycle/sweeper/settings';
import { awsCredentials, awsLifecycle } from '../../src/platforms/aws';
import { makeApp } from '../support/app-harness';
import { startFakeAwsSts } from '../support/fakes/aws-sts';
import { zipEntryNames } from '../support/fakes/fc';
import { FakeS3Server } from '../support/fakes/s3';

type Resource = {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON, read field by field
  Properties: Record<string, any>;
  DependsOn?: unknown;
  DeletionPolicy?: string;
};
type Statement = {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};

let outDir: string;
let resources: Record<string, Resource>;

const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A CloudFormation string expression as text: `Fn::Sub` templates as written, `Ref`/`GetAtt` as `${X}`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  // biome-ignore lint/suspicious/noExplicitAny: untyped CloudFormation expression
  const v = value as Record<string, any>;
  if (v['Fn::Sub']) return String(v['Fn::Sub']);
  if (v['Fn::GetAtt']) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v.Ref) return `\${${v.Ref}}`;
  return JSON.stringify(value);
}

/** Every statement that applies to a role: its inline policies and the policies that attach themselves to it. */
function statementsOf(role: string): Statement[] {
  const inline = (resources[role]!.Properties.Policies ?? []).flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
  const attached = [...of('AWS::IAM::Policy'), ...of('AWS::IAM::ManagedPolicy')]
    .filter(([, r]) => (r.Properties.Roles ?? []).some((ref: { Ref?: string }) => ref.Ref === role))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

/** IAM wildcard matching of an action or resource pattern against a concrete value. */
const matches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

/** Whether the role's statements allow (and do not deny) `action` on `resource`. */
function allowed(role: string, action: string, resource: string): boolean {
  const hits = (s: Statement) =>
    list(s.Action).some((a) => matches(a, action)) &&
    list(s.Resource).some((r) => matches(text(r), resource));
  const statements = statementsOf(role);
  return (
    statements.some((s) => s.Effect === 'Allow' && hits(s)) &&
    !statements.some((s) => s.Effect === 'Deny' && hits(s))
  );
}

const OBJECT = (key: string) => `\${StateBucket.Arn}/${key}`;
const POLICY_NAMES = [
  'ENSURE_READY_MAX_SECONDS',
  'KEY_ROTATION_GRACE_SECONDS',
  'MAX_ATTEMPTS',
  'WEDGED_AFTER_SECONDS',
  'UNRESPONSIVE_AFTER_SECONDS',
  'EVENT_RETENTION_DAYS',
];
const ECS_NAMES = [
  'ECS_LOG_GROUP',
  'ECS_DEFAULT_CPU_MILLICORES',
  'ECS_DEFAULT_MEMORY_MB',
  'ECS_VERIFY_IMAGE_REGISTRIES',
];
const SWEEP_NAMES = [
  'SWEEP_BUDGET_MS',
  'SWEEP_FULL_SCAN_INTERVAL_SECONDS',
  'SWEEP_BACKEND_CONCURRENCY',
  'MAX_ORPHAN_ACTIONS_PER_RUN',
  'TOMBSTONE_RETENTION_SECONDS',
];
const functionRole = (fn: string) => resources[fn]!.Properties.Role['Fn::GetAtt'][0] as string;
const env = (fn: string) => resources[fn]!.Properties.Environment.Variables as Record<string, unknown>;

/** A function's environment as Lambda would hand it over: CloudFormation references replaced by plausible values. */
function deployedEnv(fn: string): Record<string, string> {
  const names: Record<string, string> = {
    'AWS::Region': 'us-east-1',
    StateBucket: 'worker-orchestrator-state',
    WorkerCluster: 'worker-orchestrator-test-WorkerCluster',
    WorkerLogGroup: resources.WorkerLogGroup!.Properties.LogGroupName,
  };
  const value = (v: unknown): string => {
    if (typeof v === 'string')
      return v.startsWith('{{resolve:') ? 'manager-key-from-secrets-manager-0123456789' : v;
    // biome-ignore lint/suspicious/noExplicitAny: an untyped CloudFormation expression
    const x = v as Record<string, any>;
    if (x.Ref) return names[x.Ref] ?? `unknown-ref-${x.Ref}`;
    if (x['Fn::GetAtt']) return `arn:aws:iam::123456789012:role/${x['Fn::GetAtt'][0]}`;
    if (x['Fn::If']) return 'https://abc123.execute-api.us-east-1.amazonaws.com';
    throw new Error(`unexpected value ${JSON.stringify(v)}`);
  };
  return {
    AWS_REGION: 'us-east-1',
    ...Object.fromEntries(Object.entries(env(fn)).map(([k, v]) => [k, value(v)])),
  };
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'osls-package-'));
  // Offline on purpose: no credentials, no region lookups; the CLI must not need the cloud to package.
  await promisify(execFile)(
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
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ECS_SUBNETS: 'subnet-0aaa,subnet-0bbb' },
      timeout: 240_000,
    },
  );
  const template = JSON.parse(
    await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  resources = template.Resources;
}, 300_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless.yml packaged by osls', () => {
  it('defines the four Lambda functions on Node 22 / arm64, each shipping its bundle and nothing else', async () => {
    const functions = of('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'CredentialsLambdaFunction',
      'EnsureReadyLambdaFunction',
      'LifecycleLambdaFunction',
      'SweeperLambdaFunction',
    ]);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    }
    for (const name of ['lifecycle', 'credentials', 'sweeper']) {
      const files = zipEntryNames(await readFile(join(REPO_ROOT, `dist/aws/${name}.zip`)));
      expect(files.has('index.mjs')).toBe(true);
      // No node_modules, no sources: the bundle, its package.json and (when any) its license notices.
      for (const file of files.keys())
        expect(file).toMatch(/^((index|chunks\/[\w-]+)\.mjs(\.LEGAL\.txt)?|package\.json)$/);
    }
  });

  it('routes every route of the app to its function: the credentials route alone to credentials, ensure-ready alone to ensureReady', async () => {
    const { app } = await makeApp();
    const expected = new Map(
      app.routeTable.specs.map((s) => {
        const key = `${s.method.toUpperCase()} ${s.path}`;
        // The fleet action's ensure-ready wakes and drives within one budget but waits for no report: lifecycle's.
        const waits = key.endsWith('/ensure-ready') && !key.startsWith('POST /workers/actions/');
        return [key, waits ? 'EnsureReady' : 'Lifecycle'];
      }),
    );
    expected.set('POST /credentials/sts', 'Credentials');
    expected.set('POST /api/v1/credentials/sts', 'Credentials');
    const integrations = Object.fromEntries(
      of('AWS::ApiGatewayV2::Integration').map(([id, r]) => [
        id,
        r.Properties.IntegrationUri['Fn::GetAtt'][0],
      ]),
    );
    const routed = new Map(
      of('AWS::ApiGatewayV2::Route').map(([, r]) => {
        const integration = r.Properties.Target['Fn::Join'][1][1].Ref as string;
        return [
          r.Properties.RouteKey as string,
          String(integrations[integration]).replace('LambdaFunction', ''),
        ];
      }),
    );
    expect(Object.fromEntries(routed)).toEqual(Object.fromEntries(expected));
  });

  it('runs the sweeper every minute on an EventBridge schedule, one run at a time, never retrying a run nor delivering one older than a minute', () => {
    const rules = of('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['SweeperLambdaFunction', 'Arn'] } }],
    });
    expect(resources.SweeperLambdaFunction!.Properties.ReservedConcurrentExecutions).toBe(1);
    // The schedule invokes asynchronously: Lambda's default two retries over six hours would queue runs behind
    // the one reserved slot; the next minute's run does the same work anyway.
    const invokeConfigs = of('AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: 'SweeperLambdaFunction' },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('keeps the state bucket private and encrypted, and refuses plain HTTP', () => {
    const bucket = resources.StateBucket!.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
    const deny = resources.StateBucketPolicy!.Properties.PolicyDocument.Statement[0];
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('versions the state bucket (a restore point for every overwrite and delete) and expires old versions', () => {
    const bucket = resources.StateBucket!.Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const [rule] = bucket.LifecycleConfiguration.Rules;
    expect(rule.Status).toBe('Enabled');
    expect(Number(rule.NoncurrentVersionExpiration.NoncurrentDays)).toBe(30);
    expect(resources.StateBucket!.DeletionPolicy).toBe('Retain');
  });

  it('writes HTTP API access logs: a JSON line per request to its own log group', () => {
    const logs = resources.HttpApiStage!.Properties.AccessLogSettings;
    expect(logs.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    for (const field of ['$context.requestId', '$context.routeKey', '$context.status'])
      expect(logs.Format).toContain(field);
    expect(resources.HttpApiLogGroup!.Properties.LogGroupName).toBe('/aws/http-api/worker-orchestrator-test');
  });

  it('alarms on the 5xx rate, sweeper failures and silence, and Lambda throttles, to one SNS topic', () => {
    const alarms = Object.fromEntries(of('AWS::CloudWatch::Alarm'));
    expect(Object.keys(alarms).sort()).toEqual([
      'Api5xxRateAlarm',
      'LambdaThrottlesAlarm',
      'SweeperErrorsAlarm',
      'SweeperNotRunningAlarm',
    ]);
    for (const alarm of Object.values(alarms))
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    const rate = alarms.Api5xxRateAlarm!.Properties;
    const stat = (id: string) => rate.Metrics.find((m: { Id: string }) => m.Id === id).MetricStat.Metric;
    expect(stat('errors')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    expect(stat('requests')).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' });
    expect(stat('errors').Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }]);
    expect(Number(rate.Threshold)).toBe(5);
    expect(alarms.SweeperErrorsAlarm!.Properties).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'SweeperLambdaFunction' } }],
    });
    expect(alarms.SweeperNotRunningAlarm!.Properties).toMatchObject({
      MetricName: 'Invocations',
      TreatMissingData: 'breaching',
    });
    const throttled = alarms
      .LambdaThrottlesAlarm!.Properties.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat)
      .map(
        (m: { MetricStat: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } } }) => [
          m.MetricStat.Metric.MetricName,
          m.MetricStat.Metric.Dimensions[0]!.Value.Ref,
        ],
      );
    expect(throttled.sort()).toEqual(
      of('AWS::Lambda::Function')
        .map(([id]) => ['Throttles', id])
        .sort(),
    );
    // An e-mail subscription only when ALARM_EMAIL is set.
    expect(resources.AlarmEmailSubscription).toMatchObject({ Condition: 'HasAlarmEmail' });
  });

  it('gives each function its own role; lifecycle and ensureReady share one', () => {
    expect(functionRole('LifecycleLambdaFunction')).toBe('LifecycleRole');
    expect(functionRole('EnsureReadyLambdaFunction')).toBe('LifecycleRole');
    expect(functionRole('CredentialsLambdaFunction')).toBe('CredentialsRole');
    expect(functionRole('SweeperLambdaFunction')).toBe('SweeperRole');
    for (const role of ['LifecycleRole', 'CredentialsRole', 'SweeperRole']) {
      for (const s of statementsOf(role)) {
        expect(list(s.Action)).not.toContain('*');
        if (s.Effect === 'Allow') expect(list(s.Action)).not.toContain('s3:*');
      }
    }
  });

  it('lets lifecycle and sweeper use the whole state prefix, secrets/ included, and nothing outside it', () => {
    for (const role of ['LifecycleRole', 'SweeperRole']) {
      for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
        expect(allowed(role, action, OBJECT('orchestrator/secrets/alice/uid.json'))).toBe(true);
        expect(allowed(role, action, OBJECT('orchestrator/workers/alice.json'))).toBe(true);
        expect(allowed(role, action, OBJECT('agents/alice/notes.md'))).toBe(false);
      }
    }
  });

  it("lets the credentials function read records but never secrets/, and write only events, issuance outbox entries (never a worker's outbox folder) and the probe", () => {
    const role = 'CredentialsRole';
    expect(allowed(role, 's3:GetObject', OBJECT('orchestrator/workers/alice.json'))).toBe(true);
    expect(allowed(role, 's3:GetObject', OBJECT('orchestrator/teams/red.json'))).toBe(true);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/events/alice/000-uid-n1.json'))).toBe(true);
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(allowed(role, action, OBJECT('orchestrator/secrets/alice/uid.json'))).toBe(false);
      expect(allowed(role, action, OBJECT('orchestrator/secrets/_deployment.json'))).toBe(false);
      // The webhook signing secrets: it files credentials.issued, the sweeper signs and sends it.
      expect(allowed(role, action, OBJECT('orchestrator/secrets/_webhooks.json'))).toBe(false);
    }
    // credentials.issued: the endpoint list read (never changed), an outbox entry filed under the issuance
    // prefix (never deleted). Never a worker's own outbox: it could forge worker.deleted or overwrite an entry.
    const entry = OBJECT('orchestrator/outbox/_issued/alice/1767225600000-0-evt_1.json');
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(allowed(role, action, OBJECT('orchestrator/outbox/alice/1767225600000-0-evt_1.json'))).toBe(
        false,
      );
      expect(allowed(role, action, OBJECT('orchestrator/outbox/_issuedx/alice/1-0-evt_1.json'))).toBe(false);
    }
    expect(allowed(role, 's3:GetObject', OBJECT('orchestrator/webhooks/endpoints.json'))).toBe(true);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/webhooks/endpoints.json'))).toBe(false);
    expect(allowed(role, 's3:GetObject', OBJECT('orchestrator/webhooks/dead/ep_1/evt_1.json'))).toBe(false);
    expect(allowed(role, 's3:PutObject', entry)).toBe(true);
    expect(allowed(role, 's3:DeleteObject', entry)).toBe(false);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/workers/alice.json'))).toBe(false);
    expect(allowed(role, 's3:DeleteObject', OBJECT('orchestrator/workers/alice.json'))).toBe(false);
    // meta/: the deployment marker is read only (the lifecycle function creates it); the one write is the
    // /healthz clock-skew probe, at its single key.
    expect(allowed(role, 's3:GetObject', OBJECT('orchestrator/meta/deployment.json'))).toBe(true);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/meta/deployment.json'))).toBe(false);
    expect(allowed(role, 's3:DeleteObject', OBJECT('orchestrator/meta/deployment.json'))).toBe(false);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/meta/clock-probe'))).toBe(true);
    expect(allowed(role, 's3:PutObject', OBJECT('orchestrator/meta/clock-probe-2'))).toBe(false);
    expect(allowed(role, 's3:DeleteObject', OBJECT('orchestrator/meta/clock-probe'))).toBe(false);
    // An explicit Deny, so no policy attached later can open secrets/ to it.
    expect(
      statementsOf(role).some(
        (s) => s.Effect === 'Deny' && list(s.Resource).some((r) => text(r).includes('secrets/')),
      ),
    ).toBe(true);
  });

  it('lets only the credentials function assume the worker-data role, which trusts it alone', () => {
    const data = `\${WorkerDataRole.Arn}`;
    expect(allowed('CredentialsRole', 'sts:AssumeRole', data)).toBe(true);
    expect(allowed('LifecycleRole', 'sts:AssumeRole', data)).toBe(false);
    expect(allowed('SweeperRole', 'sts:AssumeRole', data)).toBe(false);
    const trust = resources.WorkerDataRole!.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::GetAtt': ['CredentialsRole', 'Arn'] } },
        Action: 'sts:AssumeRole',
      },
    ]);
    const dataPolicy = resources.WorkerDataRole!.Properties.Policies[0].PolicyDocument
      .Statement as Statement[];
    const dataResources = dataPolicy.flatMap((s) => list(s.Resource).map(text));
    expect(dataResources.filter((r) => r.includes('/'))).toEqual([
      `\${StateBucket.Arn}/agents/*`,
      `\${StateBucket.Arn}/shared/*`,
    ]);
  });

  it('allows ECS changes only on tagged services of the cluster, and PassRole only for the worker roles to ECS tasks', () => {
    const service = `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/\${WorkerCluster}/svc`;
    expect(allowed('CredentialsRole', 'ecs:UpdateService', service)).toBe(false);
    for (const role of ['LifecycleRole', 'SweeperRole']) {
      const ecs = statementsOf(role).filter((s) => list(s.Action).some((a) => a.startsWith('ecs:')));
      for (const s of ecs.filter((s) =>
        list(s.Action).some((a) => /Create|Update|Delete|Register/.test(a)),
      )) {
        expect(JSON.stringify(s.Condition)).toContain('orchestrator.deployment');
      }
      const pass = statementsOf(role).filter((s) => list(s.Action).includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(list(pass[0]!.Resource).map(text)).toEqual([
        `\${WorkerTaskRole.Arn}`,
        `\${WorkerExecutionRole.Arn}`,
      ]);
      expect(pass[0]!.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    }
  });

  it('throttles /ready, /credentials/sts and ensure-ready per route, both ensure-ready routes together admitting no more concurrent waits than the function has reserved concurrency', () => {
    const stage = resources.HttpApiStage!.Properties;
    const routeKeys = new Set(of('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey));
    for (const key of Object.keys(stage.RouteSettings)) expect(routeKeys.has(key)).toBe(true);
    expect(Object.keys(stage.RouteSettings).sort()).toEqual([
      'POST /api/v1/credentials/sts',
      'POST /api/v1/workers/{name}/ensure-ready',
      'POST /api/v1/workers/{name}/ready',
      'POST /credentials/sts',
      'POST /workers/{name}/ensure-ready',
      'POST /workers/{name}/ready',
    ]);
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeDefined();
    const reserved = Number(resources.EnsureReadyLambdaFunction!.Properties.ReservedConcurrentExecutions);
    expect(reserved).toBeGreaterThan(0);
    // A token bucket admits at most burst + rate × T requests in any T seconds, and each may wait up to T
    // (ENSURE_READY_MAX_SECONDS): that sum is the most waits ever in flight through one route. Both routes invoke
    // the one function, each with its own bucket, so their sums together must fit the reserved concurrency (or
    // Lambda throttles, which API Gateway reports as 500), and should use it (or callers get 429 for nothing).
    const waitSeconds = Number(env('EnsureReadyLambdaFunction').ENSURE_READY_MAX_SECONDS);
    expect(waitSeconds).toBe(20);
    let inFlight = 0;
    for (const route of ['POST /workers/{name}/ensure-ready', 'POST /api/v1/workers/{name}/ensure-ready']) {
      const { ThrottlingBurstLimit: burst, ThrottlingRateLimit: rate } = stage.RouteSettings[route];
      expect(burst, route).toBeGreaterThanOrEqual(1);
      expect(rate, route).toBeGreaterThan(0);
      inFlight += burst + rate * waitSeconds;
    }
    expect(inFlight).toBeLessThanOrEqual(reserved);
    expect(inFlight).toBeGreaterThan(reserved - 0.1);
    expect(resources.LifecycleLambdaFunction!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('configures each function through its environment, handing each only what it needs', () => {
    expect(env('LifecycleLambdaFunction').MANAGER_API_KEYS).toMatch(/^\{\{resolve:secretsmanager:/);
    expect(env('LifecycleLambdaFunction').ECS_SUBNETS).toBe('subnet-0aaa,subnet-0bbb');
    expect(env('CredentialsLambdaFunction')).toMatchObject({ STS_PROVIDER: 'aws', STATE_STORE: 's3' });
    expect(env('CredentialsLambdaFunction').MANAGER_API_KEYS).toBeUndefined();
    expect(env('CredentialsLambdaFunction').ECS_CLUSTER).toBeUndefined();
    expect(env('SweeperLambdaFunction').MANAGER_API_KEYS).toBeUndefined();
    expect(env('SweeperLambdaFunction').STS_ROLE_ARN).toBeUndefined();
    expect(env('SweeperLambdaFunction')).toMatchObject({ ORPHAN_ACTION: 'stop', SWEEP_BUDGET_MS: '40000' });
    expect(env('LifecycleLambdaFunction').STS_ROLE_ARN).toBeUndefined();
    // Settings reach the functions that use them (serverless-settings.test.ts sets each one).
    for (const fn of ['LifecycleLambdaFunction', 'EnsureReadyLambdaFunction', 'SweeperLambdaFunction']) {
      expect(Object.keys(env(fn))).toEqual(expect.arrayContaining([...POLICY_NAMES, ...ECS_NAMES]));
    }
    expect(Object.keys(env('SweeperLambdaFunction'))).toEqual(expect.arrayContaining(SWEEP_NAMES));
    for (const name of SWEEP_NAMES) expect(env('LifecycleLambdaFunction')[name]).toBeUndefined();
    expect(Object.keys(env('CredentialsLambdaFunction'))).toEqual(
      expect.arrayContaining(['STS_ENDPOINT', 'KEY_ROTATION_GRACE_SECONDS']),
    );
    expect(env('LifecycleLambdaFunction').STS_ENDPOINT).toBeUndefined();
  });

  it("passes each function's packaged environment through the readers its composition root runs at cold start, defaults included", () => {
    const lifecycle = deployedEnv('LifecycleLambdaFunction');
    const config = loadCloudConfig(lifecycle, AWS_PLATFORM);
    // An empty pass-through value means the orchestrator's own default.
    expect(config.settings).toMatchObject({
      maxAttempts: DEFAULT_SETTINGS.maxAttempts,
      ensureReadyMaxSeconds: 20,
      eventRetentionDays: DEFAULT_SETTINGS.eventRetentionDays,
    });
    expect(config.state.prefix).toBe('orchestrator/');
    expect(readEcsSettings(lifecycle)).toMatchObject({
      logGroup: '/worker-orchestrator/test/workers',
      subnets: ['subnet-0aaa', 'subnet-0bbb'],
    });
    const sweeper = deployedEnv('SweeperLambdaFunction');
    expect(loadCloudConfig(sweeper, AWS_PLATFORM, { managerKeysOptional: true }).sweeper).toMatchObject({
      budgetMs: 40_000,
      backendConcurrency: DEFAULT_SWEEPER_SETTINGS.backendConcurrency,
    });
    const credentials = deployedEnv('CredentialsLambdaFunction');
    const credentialsConfig = loadCloudConfig(credentials, AWS_PLATFORM, { managerKeysOptional: true });
    expect(readAwsStsSettings(credentials, credentialsConfig.dataRoot).stsEndpoint).toBeUndefined();
  });

  it('gives Fargate workers a CloudWatch log group that only their execution role may write', () => {
    const group = resources.WorkerLogGroup!;
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Properties.LogGroupName).toBe('/worker-orchestrator/test/workers');
    expect(Number(group.Properties.RetentionInDays)).toBe(30);
    expect(env('LifecycleLambdaFunction').ECS_LOG_GROUP).toEqual({ Ref: 'WorkerLogGroup' });
    expect(env('SweeperLambdaFunction').ECS_LOG_GROUP).toEqual({ Ref: 'WorkerLogGroup' });
    // The group's Arn attribute ends in `:*` (its streams), which is what CreateLogStream/PutLogEvents act on.
    const streams = `\${WorkerLogGroup.Arn}`;
    const otherGroup = 'arn:aws:logs:us-east-1:123456789012:log-group:/somebody/else:*';
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      expect(allowed('WorkerExecutionRole', action, streams)).toBe(true);
      expect(allowed('WorkerExecutionRole', action, otherGroup)).toBe(false);
    }
    expect(allowed('WorkerExecutionRole', 'ecr:BatchGetImage', 'arn:aws:ecr:us-east-1:1:repository/w')).toBe(
      true,
    );
    // No managed policy (AmazonECSTaskExecutionRolePolicy would open every log group).
    expect(resources.WorkerExecutionRole!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(allowed('WorkerTaskRole', 'logs:PutLogEvents', streams)).toBe(false);
  });
});

describe('the credentials role against what the credentials function really does', () => {
  it('allows every S3 request the credentials function makes (worker, unknown worker, health), none under secrets/', async () => {
    const s3 = new FakeS3Server(['state']);
    const sts = await startFakeAwsSts({ keys: { AKIAIAMCHECK00000001: { secret: 'iam-check-secret' } } });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIAMCHECK00000001');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'iam-check-secret');
    try {
      const env = {
        AWS_REGION: 'us-east-1',
        S3_BUCKET: 'state',
        S3_ENDPOINT: await s3.start(),
        BACKENDS: 'fake',
        MANAGER_API_KEYS: 'iam-check-manager-key-0123456789',
        STS_PROVIDER: 'aws',
        STS_ROLE_ARN: 'arn:aws:iam::123456789012:role/worker-data',
        STS_ENDPOINT: sts.url,
      };
      const lifecycle = awsLifecycle(env);
      const credentials = awsCredentials(env);
      const post = (app: typeof lifecycle, path: string, key: string, body?: unknown) =>
        app.fetch(
          new Request(`https://api.example.com${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body ?? {}),
          }),
        );
      // Cloud deployments have no default image: the create names one.
      const create = await post(lifecycle, '/workers', env.MANAGER_API_KEYS, {
        name: 'alice',
        backend: 'fake',
        image: 'registry.example.com/agents/worker:1',
      });
      expect(create.status).toBe(201);
      const created = await create.json();
      expect((await post(lifecycle, '/workers/alice/ready', created.api_key)).status).toBe(204);
      // An endpoint that takes credentials.issued, so the issuance below files its outbox entry too.
      const endpoint = await post(lifecycle, '/webhooks', env.MANAGER_API_KEYS, {
        url: 'https://hooks.example.com/in',
        types: ['credentials.issued'],
      });
      expect(endpoint.status).toBe(201);

      const mark = s3.requests.length;
      expect((await post(credentials, '/credentials/sts', created.api_key)).status).toBe(200);
      expect((await post(credentials, '/credentials/sts', `wok_nobody_${'0'.repeat(64)}`)).status).toBe(401);
      expect((await credentials.fetch(new Request('https://api.example.com/healthz'))).status).toBe(200);

      const made = s3.requests.slice(mark);
      expect(made.length).toBeGreaterThan(0);
      expect(
        made.some((r) => r.method === 'PUT' && r.path.includes('/outbox/_issued/alice/')),
        'entry filed',
      ).toBe(true);
      for (const { method, path } of made) {
        const key = path.replace(/^state\/?/, '');
        if (key === '') {
          expect(allowed('CredentialsRole', 's3:ListBucket', `\${StateBucket.Arn}`), 'list').toBe(true);
          continue;
        }
        expect(key).not.toMatch(/(^|\/)secrets\//);
        const action = {
          GET: 's3:GetObject',
          HEAD: 's3:GetObject',
          PUT: 's3:PutObject',
          DELETE: 's3:DeleteObject',
        }[method]!;
        expect(allowed('CredentialsRole', action, OBJECT(key)), `${method} ${key}`).toBe(true);
      }
    } finally {
      vi.unstubAllEnvs();
      await s3.close();
      await sts.close();
    }
  });
});
