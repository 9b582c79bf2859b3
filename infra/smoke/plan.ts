/**
 * What `npm run smoke` does on each cloud: the steps, each naming the provider behaviour it checks, what it
 * expects, what it creates, and the variables it reads. The fakes in test/support model these behaviours from
 * the documentation; a smoke run against a real account is what shows the documentation (and our reading of it)
 * right. A step whose required variables are unset is skipped, saying which.
 *
 * @module
 */
import type { Env } from '../../src/config/env';

export type Cloud = 'aliyun' | 'aws';

export interface SmokeStep {
  id: string;
  /** The provider behaviour the step observes. */
  checks: string;
  /** What the step expects to observe. */
  expected: string;
  /** What it creates; everything is named after the run, tagged with it where the service takes tags, and removed. */
  creates: string;
  /** Variables read: `A|B` = A, else B; a trailing `?` = optional. */
  reads: string[];
}

const ALIYUN_KEYS = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN?',
];
const AWS_KEYS = ['AWS_ACCESS_KEY_ID?', 'AWS_SECRET_ACCESS_KEY?', 'AWS_SESSION_TOKEN?'];
const OSS = ['OSS_BUCKET', 'OSS_REGION|FC_REGION?', 'OSS_ENDPOINT?', ...ALIYUN_KEYS];

export const STEPS: Record<Cloud, SmokeStep[]> = {
  aliyun: [
    {
      id: 'oss-bucket-unversioned',
      checks: 'GetBucketVersioning answers without Status for a bucket never versioned (V4-signed)',
      expected: 'no versioning Status; the request is accepted with an OSS4-HMAC-SHA256 signature',
      creates: 'nothing',
      reads: OSS,
    },
    {
      id: 'oss-create-race',
      checks: 'x-oss-forbid-overwrite is atomic between concurrent creators of one new object',
      expected: 'exactly 1 of N creators wins, N-1 get 409 FileAlreadyExists, the object holds the winner',
      creates: 'one object, <bucket>/smoke/<run>/race',
      reads: OSS,
    },
    {
      id: 'sts-scope',
      checks: 'AssumeRole with the session policy; writes with the issued credentials on OSS',
      expected: 'credentials issued; agents/<run>-self/ is writable, agents/<run>-other/ is 403 AccessDenied',
      creates:
        'one object under agents/<run>-self/ (and, if the policy fails, one under agents/<run>-other/)',
      reads: [
        'STS_ROLE_ARN',
        'STS_BUCKET|OSS_BUCKET',
        'STS_REGION|FC_REGION?',
        'STS_ENDPOINT?',
        'STS_OSS_ENDPOINT?',
        'OSS_REGION?',
        'DATA_ROOT?',
        ...ALIYUN_KEYS,
      ],
    },
    {
      id: 'fc-route-layout',
      checks:
        'custom-domain routes: /credentials/sts exact, /ensure-ready/* and /* prefixes, longest wins; ' +
        'no instanceConcurrency on nodejs20',
      expected:
        '/ensure-ready/workers/x → ensure-ready, /workers/x/ensure-ready → lifecycle, /credentials/sts → credentials; ' +
        'instanceConcurrency refused',
      creates: 'three echo functions <run>-* with HTTP triggers, and the custom domain SMOKE_FC_DOMAIN',
      reads: [
        'SMOKE_FC_DOMAIN',
        'FC_ACCOUNT_ID|ALIBABA_CLOUD_ACCOUNT_ID',
        'FC_REGION',
        'FC_ENDPOINT?',
        'SMOKE_FC_PROBE_VIA?',
        ...ALIYUN_KEYS,
      ],
    },
    {
      id: 'sae-lifecycle',
      checks: 'SAE create/deploy (MinReadyInstances 0)/stop/start/delete with status polling',
      expected:
        'each change settles; never 2 instances alive during the deploy; a second change is refused ' +
        'with Application.ChangerOrderRunning',
      creates: 'one SAE application running SMOKE_SAE_IMAGE, tagged orchestrator.deployment=<run>',
      reads: [
        'SMOKE_SAE_IMAGE',
        'SAE_REGION|FC_REGION',
        'SAE_NAMESPACE_ID?',
        'SAE_VPC_ID?',
        'SAE_VSWITCH_ID?',
        'SAE_SECURITY_GROUP_ID?',
        'SAE_ENDPOINT?',
        ...ALIYUN_KEYS,
      ],
    },
  ],
  aws: [
    {
      id: 's3-create-race',
      checks: 'S3 PutObject If-None-Match: * between concurrent creators; If-Match on a stale etag',
      expected: 'exactly 1 of N creators wins, N-1 get 412 PreconditionFailed; the stale If-Match is refused',
      creates: 'one object, <bucket>/smoke/<run>/race',
      reads: ['S3_BUCKET', 'S3_REGION|AWS_REGION?', 'S3_ENDPOINT?', ...AWS_KEYS],
    },
    {
      id: 'sts-scope',
      checks: 'AssumeRole with the session policy; writes with the issued credentials on S3',
      expected: 'credentials issued; agents/<run>-self/ is writable, agents/<run>-other/ is 403 AccessDenied',
      creates:
        'one object under agents/<run>-self/ (and, if the policy fails, one under agents/<run>-other/)',
      reads: [
        'STS_ROLE_ARN',
        'STS_BUCKET|S3_BUCKET',
        'STS_REGION|AWS_REGION',
        'STS_ENDPOINT?',
        'STS_S3_ENDPOINT?',
        'DATA_ROOT?',
        ...AWS_KEYS,
      ],
    },
    {
      id: 'ecs-lifecycle',
      checks: 'ECS create/update (new revision, old ones deregistered)/scale 0 and 1/delete',
      expected:
        'the service runs 1 task, then the new revision (the only ACTIVE one), 0 tasks, 1 task; then DRAINING',
      creates: 'one Fargate service and its task-definition family, both named and tagged for the run',
      reads: [
        'SMOKE_ECS_IMAGE',
        'ECS_CLUSTER',
        'ECS_SUBNETS',
        'ECS_REGION|AWS_REGION',
        'ECS_SECURITY_GROUPS?',
        'ECS_ASSIGN_PUBLIC_IP?',
        'ECS_EXECUTION_ROLE_ARN?',
        'ECS_ENDPOINT?',
        ...AWS_KEYS,
      ],
    },
  ],
};

const SECRET = /SECRET|TOKEN|KEY_ID/;

/** `NAME=value`, `NAME (set)` for credentials, or `NAME unset`; for `A|B`, whichever is set. */
function describeRead(read: string, env: Env): { text: string; missing: boolean } {
  const optional = read.endsWith('?');
  const names = read.replace(/\?$/, '').split('|');
  const name = names.find((n) => env[n]?.trim());
  if (!name) return { text: `${names.join('|')} unset`, missing: !optional };
  return { text: SECRET.test(name) ? `${name} (set)` : `${name}=${env[name]}`, missing: false };
}

export function describeSmokePlan(cloud: Cloud, run: string, env: Env): string {
  const lines = [
    `Smoke plan for ${cloud} (run ${run}: everything it creates is named after the run, tagged with it where the ` +
      'service takes tags, and removed at the end, also when a step fails)',
  ];
  for (const step of STEPS[cloud]) {
    const reads = step.reads.map((r) => describeRead(r, env));
    const missing = reads.filter((r) => r.missing).map((r) => r.text.replace(/ unset$/, ''));
    lines.push(
      `  ${step.id}${missing.length ? ` (will be skipped: ${missing.join(', ')} unset)` : ''}`,
      `    checks:   ${step.checks}`,
      `    expected: ${step.expected}`,
      `    creates:  ${step.creates}`,
      `    reads:    ${reads.map((r) => r.text).join(', ')}`,
    );
  }
  return lines.join('\n');
}
