/**
 * `infra/aws/deployer-policy.json`, the IAM policy for the identity that runs `npx osls deploy` and `remove`,
 * checked against what serverless.yml really creates: the template packaged offline by the real osls CLI (both
 * front doors). Every resource type in it must be listed below with the actions CloudFormation calls to create,
 * update and delete it, and the policy must allow each on the resource's ARN as the stack names it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/build/targets';

type Statement = { Effect: string; Action: string[]; Resource: string | string[] };

/** The stack of stage `test`: CloudFormation names what it creates after it (`<stack>-<logical id>-<suffix>`). */
const STACK = 'worker-orchestrator-test';
const ARN = {
  bucket: `arn:aws:s3:::${STACK}-statebucket-1a2b3c`,
  fn: `arn:aws:lambda:us-east-1:123456789012:function:${STACK}-lifecycle`,
  role: `arn:aws:iam::123456789012:role/${STACK}-LifecycleRole-1A2B3C`,
  policy: `arn:aws:iam::123456789012:policy/${STACK}-StateFullAccess-1A2B3C`,
  api: 'arn:aws:apigateway:us-east-1::/apis/abc123',
  rule: `arn:aws:events:us-east-1:123456789012:rule/${STACK}-SweeperEventsRuleSchedule1-1A2B`,
  lambdaLogs: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${STACK}-lifecycle`,
  apiLogs: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/http-api/${STACK}`,
  workerLogs: 'arn:aws:logs:us-east-1:123456789012:log-group:/worker-orchestrator/test/workers',
  cluster: `arn:aws:ecs:us-east-1:123456789012:cluster/${STACK}-WorkerCluster-1A2B`,
  alarm: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${STACK}-api-5xx-rate`,
  topic: `arn:aws:sns:us-east-1:123456789012:${STACK}-alarms`,
};

/** What CloudFormation calls for each resource type serverless.yml creates, and on which ARN. */
const NEEDS: Record<string, { actions: string[]; on: string }> = {
  'AWS::S3::Bucket': {
    actions: [
      's3:CreateBucket',
      's3:DeleteBucket',
      's3:PutBucketVersioning',
      's3:PutLifecycleConfiguration',
      's3:PutEncryptionConfiguration',
      's3:PutBucketPublicAccessBlock',
      's3:PutBucketOwnershipControls',
    ],
    on: ARN.bucket,
  },
  'AWS::S3::BucketPolicy': { actions: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'], on: ARN.bucket },
  'AWS::Lambda::Function': {
    actions: [
      'lambda:CreateFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:DeleteFunction',
      'lambda:PutFunctionConcurrency',
    ],
    on: ARN.fn,
  },
  'AWS::Lambda::Permission': { actions: ['lambda:AddPermission', 'lambda:RemovePermission'], on: ARN.fn },
  'AWS::Lambda::EventInvokeConfig': {
    actions: ['lambda:PutFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig'],
    on: ARN.fn,
  },
  'AWS::Lambda::Url': {
    actions: [
      'lambda:CreateFunctionUrlConfig',
      'lambda:UpdateFunctionUrlConfig',
      'lambda:DeleteFunctionUrlConfig',
    ],
    on: ARN.fn,
  },
  'AWS::IAM::Role': {
    actions: [
      'iam:CreateRole',
      'iam:DeleteRole',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:PassRole',
    ],
    on: ARN.role,
  },
  'AWS::IAM::Policy': { actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'], on: ARN.role },
  'AWS::IAM::ManagedPolicy': {
    actions: ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:CreatePolicyVersion'],
    on: ARN.policy,
  },
  'AWS::ApiGatewayV2::Api': { actions: ['apigateway:POST', 'apigateway:DELETE'], on: ARN.api },
  'AWS::ApiGatewayV2::Integration': {
    actions: ['apigateway:POST', 'apigateway:PATCH'],
    on: `${ARN.api}/integrations`,
  },
  'AWS::ApiGatewayV2::Route': { actions: ['apigateway:POST', 'apigateway:PATCH'], on: `${ARN.api}/routes` },
  'AWS::ApiGatewayV2::Stage': { actions: ['apigateway:POST', 'apigateway:PATCH'], on: `${ARN.api}/stages` },
  'AWS::Events::Rule': {
    actions: ['events:PutRule', 'events:PutTargets', 'events:DeleteRule'],
    on: ARN.rule,
  },
  'AWS::Logs::LogGroup': {
    actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteLogGroup'],
    on: ARN.lambdaLogs,
  },
  'AWS::ECS::Cluster': { actions: ['ecs:CreateCluster', 'ecs:DeleteCluster'], on: ARN.cluster },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
    on: ARN.alarm,
  },
  'AWS::SNS::Topic': { actions: ['sns:CreateTopic', 'sns:DeleteTopic'], on: ARN.topic },
  'AWS::SNS::Subscription': { actions: ['sns:Subscribe', 'sns:Unsubscribe'], on: ARN.topic },
};

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

let statements: Statement[];
const types = new Set<string>();
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
const templates: Record<string, any>[] = [];
let outDir: string;

const allowed = (action: string, resource: string) =>
  statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.some((a) => glob(a, action)) &&
      list(s.Resource).some((r) => glob(r, resource)),
  );

beforeAll(async () => {
  statements = JSON.parse(
    await readFile(join(REPO_ROOT, 'infra/aws/deployer-policy.json'), 'utf8'),
  ).Statement;
  outDir = await mkdtemp(join(tmpdir(), 'osls-deployer-'));
  for (const [name, vars] of [
    ['gateway', {}],
    ['url', { FRONT_DOOR: 'functionUrl', ORCHESTRATOR_URL: 'https://agents.example.com' }],
  ] as const) {
    await promisify(execFile)(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'test',
        '--package',
        join(outDir, name),
      ],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ECS_SUBNETS: 'subnet-0aaa', ...vars },
        timeout: 240_000,
      },
    );
    const template = JSON.parse(
      await readFile(join(outDir, name, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
    templates.push(template);
    for (const r of Object.values(template.Resources) as { Type: string }[]) types.add(r.Type);
  }
}, 300_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the AWS deployer policy against the packaged templates', () => {
  it('knows every resource type serverless.yml creates (a new type must be added to the policy and here)', () => {
    expect([...types].filter((t) => !NEEDS[t])).toEqual([]);
    expect(types.has('AWS::Lambda::Url')).toBe(true);
    expect(types.has('AWS::ApiGatewayV2::Api')).toBe(true);
  });

  it('allows what CloudFormation calls for each of them, on the ARN the stack gives it', () => {
    for (const type of types) {
      const { actions, on } = NEEDS[type]!;
      for (const action of actions) expect(allowed(action, on), `${type}: ${action} on ${on}`).toBe(true);
    }
    // Deploy and remove themselves, the access and worker log groups, and the secret read at deploy time.
    expect(
      allowed('cloudformation:CreateChangeSet', `arn:aws:cloudformation:us-east-1:1:stack/${STACK}/id`),
    ).toBe(true);
    expect(
      allowed('cloudformation:DeleteStack', `arn:aws:cloudformation:us-east-1:1:stack/${STACK}/id`),
    ).toBe(true);
    expect(allowed('logs:CreateLogGroup', ARN.apiLogs)).toBe(true);
    expect(allowed('logs:CreateLogGroup', ARN.workerLogs)).toBe(true);
    expect(
      allowed(
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:us-east-1:1:secret:worker-orchestrator/manager-api-keys-AbCdEf',
      ),
    ).toBe(true);
  });

  it("names every resource the templates name explicitly under the policy's prefixes", () => {
    for (const template of templates) {
      for (const r of Object.values(template.Resources) as {
        Type: string;
        Properties: Record<string, unknown>;
      }[]) {
        const named = r.Properties?.AlarmName ?? r.Properties?.TopicName ?? r.Properties?.FunctionName;
        if (typeof named === 'string') expect(named).toMatch(new RegExp(`^${STACK}-`));
        const group = r.Properties?.LogGroupName;
        if (typeof group === 'string')
          expect(group).toMatch(/^\/(aws\/lambda\/|aws\/http-api\/)?worker-orchestrator[-/]/);
      }
    }
  });

  it('grants nothing outside this service: IAM only on worker-orchestrator-* roles and policies', () => {
    for (const s of statements) {
      if (s.Action.some((a) => a.startsWith('iam:'))) {
        for (const r of list(s.Resource))
          expect(r).toMatch(/^arn:aws:iam::\*:(role|policy)\/worker-orchestrator-\*$/);
      }
      expect(s.Action).not.toContain('*');
    }
    expect(allowed('iam:CreateRole', 'arn:aws:iam::123456789012:role/admin')).toBe(false);
    expect(allowed('iam:PassRole', 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole')).toBe(
      false,
    );
  });
});
