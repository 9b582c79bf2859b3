/**
 * AwsStsIssuer through the real `@aws-sdk/client-sts` against a protocol-level fake of AWS STS
 * (`test/support/fakes/aws-sts.ts`) on 127.0.0.1: the fake verifies Signature V4 and answers the
 * documented XML, so these tests prove what goes over the wire, not what a mock was told to expect. The issuer
 * contract both vendors share is `test/conformance/issuer.case.ts`; what follows it is AWS's own: SigV4 signing,
 * the S3 policy, partitions and the SDK's retries.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsStsIssuer, type AwsStsIssuerOptions } from '../../src/credentials/aws-sts';
import type { SigningCredentials } from '../../src/credentials/port';
import { BackendUnavailableError } from '../../src/errors';
import { ISSUER_CASES, runIssuerSuite } from '../conformance/issuer.case';
import { type FakeAwsSts, startFakeAwsSts } from '../support/fakes/aws-sts';
import { caught, expectNoSecrets } from '../support/secret-checks';

// What Lambda hands a function: temporary credentials (an ASIA key plus its session token).
const SIGNING = {
  accessKeyId: 'ASIALAMBDAROLEKEY',
  accessKeySecret: 'lambda-signing-secret/9f8e',
  securityToken: 'lambda-session-token-IQoJ',
};
const ROLE = 'arn:aws:iam::123456789012:role/agent-data';
const UID = '3f2a9c1e-7b4d-4c2a-9e1f-0123456789ab';

/** The S3 equivalent of the OSS policy for worker alice in bucket agents-data. */
const alicePolicy = (root = '', partition = 'aws') => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'WorkerObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [
        `arn:${partition}:s3:::agents-data/${root}agents/alice/*`,
        `arn:${partition}:s3:::agents-data/${root}shared/*`,
      ],
    },
    {
      Sid: 'WorkerList',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [`arn:${partition}:s3:::agents-data`],
      Condition: {
        StringLike: {
          's3:prefix': [`${root}agents/alice/`, `${root}agents/alice/*`, `${root}shared/`, `${root}shared/*`],
        },
      },
    },
  ],
});

const issuerAt = (stsEndpoint: string, overrides: Partial<AwsStsIssuerOptions> = {}) =>
  new AwsStsIssuer({
    roleArn: ROLE,
    bucket: 'agents-data',
    region: 'eu-west-1',
    stsEndpoint,
    credentials: SIGNING,
    maxAttempts: 1,
    ...overrides,
  });

const startSts = (keys: SigningCredentials[]) =>
  startFakeAwsSts({
    keys: Object.fromEntries(
      keys.map((key) => [key.accessKeyId, { secret: key.accessKeySecret, sessionToken: key.securityToken }]),
    ),
  });

const misconfigured = (setting: string, overrides: Partial<AwsStsIssuerOptions>) => ({
  setting,
  make: (stsEndpoint: string) => issuerAt(stsEndpoint, overrides),
});

runIssuerSuite({
  label: 'AwsStsIssuer against a protocol-level fake of AWS STS',
  provider: 'aws',
  signing: SIGNING,
  startSts: async (keys) => {
    const sts = await startSts(keys);
    return {
      url: sts.url,
      get calls() {
        return sts.calls.map((call) => ({
          accessKeyId: call.accessKeyId,
          securityToken: call.headers['x-amz-security-token'],
        }));
      },
      minted: () => [sts.lastIssued?.secretAccessKey, sts.lastIssued?.sessionToken],
      failNext: (failure) => sts.failNext(failure),
      close: () => sts.close(),
    };
  },
  issuer: ({ stsEndpoint, ...overrides }) => issuerAt(stsEndpoint, overrides),
  misconfigured: [
    misconfigured('roleArn', { roleArn: 'agent-data' }),
    misconfigured('bucket', { bucket: 'x' }),
    misconfigured('region', { region: '' }),
    misconfigured('dataRoot', { dataRoot: '../up' }),
  ],
  codes: { denied: 'AccessDenied', throttled: 'Throttling', internal: 'InternalFailure' },
  deniedMessage: /^aws STS AssumeRole failed: AccessDenied \(HTTP 403, request id [0-9a-f-]{36}\)$/,
  healthMentions: ['eu-west-1'],
  skip: [
    {
      reason:
        'the AWS SDK caches what a credentials getter returns until it expires, and this one gives no expiry',
      tests: [ISSUER_CASES.rotation],
    },
    {
      reason: 'the AWS SDK reads an unparseable 5xx as a server fault, which the issuer reports as retryable',
      tests: [ISSUER_CASES.html],
    },
  ],
});

describe('AwsStsIssuer against a protocol-level fake of AWS STS', () => {
  let sts: FakeAwsSts;
  const issuerWith = (overrides: Partial<AwsStsIssuerOptions> = {}) => issuerAt(sts.url, overrides);

  beforeEach(async () => {
    sts = await startSts([SIGNING]);
  });
  afterEach(() => sts.close());

  it('sends a SigV4-signed AssumeRole 2011-06-15 with the session name, duration and exact policy, and returns the credentials', async () => {
    const issued = await issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 });

    expect(sts.calls).toHaveLength(1);
    const call = sts.calls[0]!;
    expect(call).toMatchObject({ action: 'AssumeRole', version: '2011-06-15' });
    // The fake checked the signature, the scope's region and the session token of the signing key.
    expect(call.accessKeyId).toBe(SIGNING.accessKeyId);
    expect(call.region).toBe('eu-west-1');
    expect(call.params.RoleArn).toBe(ROLE);
    expect(call.params.RoleSessionName).toBe('w-alice-3f2a9c1e');
    expect(call.params.DurationSeconds).toBe('3600');
    expect(JSON.parse(call.params.Policy!)).toEqual(alicePolicy());
    expect(call.params.Policy).toBe(JSON.stringify(alicePolicy()));

    expect(issued).toEqual({
      provider: 'aws',
      accessKeyId: sts.lastIssued!.accessKeyId,
      accessKeySecret: sts.lastIssued!.secretAccessKey,
      securityToken: sts.lastIssued!.sessionToken,
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      bucket: 'agents-data',
      prefixes: ['agents/alice/', 'shared/'],
      region: 'eu-west-1',
    });
    expect(Date.parse(issued.expiration) - Date.now()).toBeGreaterThan(3500_000);
  });

  it('uses the aws-cn partition and endpoint in a China region, under the data root', async () => {
    const issued = await issuerWith({ region: 'cn-north-1', dataRoot: 'team-1/' }).issue({
      workerName: 'alice',
      uid: UID,
      durationSeconds: 900,
    });
    expect(JSON.parse(sts.calls[0]!.params.Policy!)).toEqual(alicePolicy('team-1/', 'aws-cn'));
    expect(sts.calls[0]!.region).toBe('cn-north-1');
    expect(issued.endpoint).toBe('https://s3.cn-north-1.amazonaws.com.cn');
    expect(issued.prefixes).toEqual(['team-1/agents/alice/', 'team-1/shared/']);
  });

  it('lets the SDK retry one throttled call when attempts allow it', async () => {
    sts.failNext('throttled');
    const issued = await issuerWith({ maxAttempts: 2 }).issue({
      workerName: 'alice',
      uid: UID,
      durationSeconds: 3600,
    });
    expect(sts.calls).toHaveLength(2);
    expect(issued.accessKeyId).toBe(sts.lastIssued!.accessKeyId);
  });

  it("reports a proxy's HTML error page as retryable (503), quoting nothing of it", async () => {
    sts.failNext('html');
    const error = await caught(issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toMatch(/^aws STS AssumeRole failed: [A-Za-z0-9._-]+ \(HTTP 502, request id /);
    expectNoSecrets(error, [
      sts.lastIssued!.secretAccessKey,
      sts.lastIssued!.sessionToken,
      SIGNING.accessKeySecret,
      SIGNING.securityToken,
    ]);
  });
});
