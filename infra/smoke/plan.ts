/**
 * What `npm run smoke` does on each cloud: the steps, each naming the provider behaviour it checks and what a
 * pass proves. The fakes in test/support model these behaviours from the documentation; a smoke run against a
 * real account is what shows the documentation (and our reading of it) right.
 *
 * @module
 */

export type Cloud = 'aliyun' | 'aws';

export interface SmokeStep {
  id: string;
  /** The provider behaviour the step observes. */
  checks: string;
  /** What the step expects to observe. */
  expected: string;
  /** What it creates (always tagged `orchestrator.smoke=<run id>` and removed at the end). */
  creates: string;
  /** False: the step is planned and reported, but this version cannot run it yet. */
  implemented: boolean;
}

export const STEPS: Record<Cloud, SmokeStep[]> = {
  aliyun: [
    {
      id: 'oss-create-race',
      checks: 'x-oss-forbid-overwrite is atomic between concurrent creators of one new object',
      expected: 'exactly 1 of N creators wins, N-1 get 409 FileAlreadyExists, the object holds the winner',
      creates: 'objects under <bucket>/smoke/<run>/ (deleted at the end)',
      implemented: true,
    },
    {
      id: 'oss-bucket-unversioned',
      checks: 'GetBucketVersioning answers without Status for a bucket never versioned (V4-signed)',
      expected: 'no versioning Status; the request is accepted with an OSS4-HMAC-SHA256 signature',
      creates: 'nothing',
      implemented: true,
    },
    {
      id: 'fc-route-layout',
      checks: 'custom-domain routes: /credentials/sts exact, /ensure-ready/* and /* prefixes, longest wins',
      expected:
        '/ensure-ready/workers/x → ensure-ready, /workers/x/ensure-ready → lifecycle, /credentials/sts → credentials',
      creates: 'three echo functions and a custom domain (needs SMOKE_FC_DOMAIN with its CNAME in place)',
      implemented: false,
    },
    {
      id: 'sae-lifecycle',
      checks:
        'SAE create/deploy(MinReadyInstances 0)/stop/start/delete with DescribeApplicationStatus polling',
      expected: 'each change order ends SUCCESS; at most one Running instance during the deploy',
      creates: 'one SAE application (SMOKE_SAE_IMAGE, SAE_NAMESPACE_ID)',
      implemented: false,
    },
    {
      id: 'sts-scope',
      checks: 'AssumeRole with the session policy; a cross-prefix access with the issued credentials',
      expected: 'credentials issued; agents/<other>/ is 403 AccessDenied, agents/<self>/ is allowed',
      creates: 'one object under agents/<smoke worker>/ (deleted at the end)',
      implemented: false,
    },
  ],
  aws: [
    {
      id: 's3-create-race',
      checks: 'S3 PutObject If-None-Match: * between concurrent creators of one new object',
      expected: 'exactly 1 of N creators wins, N-1 get 412 PreconditionFailed',
      creates: 'objects under <bucket>/smoke/<run>/ (deleted at the end)',
      implemented: false,
    },
    {
      id: 'ecs-lifecycle',
      checks: 'ECS create/update(new revision, old ones deregistered)/scale 0 and 1/delete',
      expected: 'the service reaches ACTIVE, 1 running, 0 running, DRAINING; only the newest revision ACTIVE',
      creates:
        'one Fargate service and its task definition family (ECS_CLUSTER, ECS_SUBNETS, SMOKE_ECS_IMAGE)',
      implemented: false,
    },
    {
      id: 'sts-scope',
      checks: 'AssumeRole with the session policy; a cross-prefix access with the issued credentials',
      expected: 'credentials issued; agents/<other>/ is AccessDenied, agents/<self>/ is allowed',
      creates: 'one object under agents/<smoke worker>/ (deleted at the end)',
      implemented: false,
    },
  ],
};

export function describeSmokePlan(cloud: Cloud, run: string, settings: Record<string, string>): string {
  const lines = [
    `Smoke plan for ${cloud} (run ${run}: everything it creates is named after the run, and tagged with it where the service takes tags)`,
  ];
  for (const [name, value] of Object.entries(settings)) lines.push(`  ${name}=${value}`);
  for (const step of STEPS[cloud]) {
    lines.push(
      `  ${step.id}${step.implemented ? '' : ' (not implemented yet: reported as skipped)'}`,
      `    checks:   ${step.checks}`,
      `    expected: ${step.expected}`,
      `    creates:  ${step.creates}`,
    );
  }
  return lines.join('\n');
}
