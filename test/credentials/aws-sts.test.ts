/**
 * AwsStsIssuer through the real `@aws-sdk/client-sts` against a protocol-level fake of AWS STS
 * (`test/support/fake-aws-sts-server.ts`) on 127.0.0.1: the fake verifies Signature V4 and answers the
 * documented XML, so these tests prove what goes over the wire, not what a mock was told to expect.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsStsIssuer, type AwsStsIssuerOptions } from '../../src/credentials/aws-sts';
import { BackendError, BackendUnavailableError, ConfigError, ValidationError } from '../../src/errors';
import { type FakeAwsSts, startFakeAwsSts } from '../support/fake-aws-sts-server';
import { caught, expectNoSecrets } from '../support/secret-checks';

// What Lambda hands a function: temporary credentials (an ASIA key plus its session token).
const SIGNING = {
  accessKeyId: 'ASIALAMBDAROLEKEY',
  accessKeySecret: 'lambda-signing-secret/9f8e',
  securityToken: 'lambda-session-token-IQoJ',
};
const ROLE = 'arn:aws:iam::123456789012:role/agent-data';
const UID = '3f2a9c1e-7b4d-4c2a-9e1f-0123456789ab';

/** The S3 equivalent of the DESIGN §8 policy for worker alice in bucket agents-data. */
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

describe('AwsStsIssuer against a protocol-level fake of AWS STS', () => {
  let sts: FakeAwsSts;
  const issuerWith = (overrides: Partial<AwsStsIssuerOptions> = {}) =>
    new AwsStsIssuer({
      roleArn: ROLE,
      bucket: 'agents-data',
      region: 'eu-west-1',
      stsEndpoint: sts.url,
      credentials: SIGNING,
      maxAttempts: 1,
      ...overrides,
    });

  beforeEach(async () => {
    sts = await startFakeAwsSts({
      keys: {
        [SIGNING.accessKeyId]: { secret: SIGNING.accessKeySecret, sessionToken: SIGNING.securityToken },
      },
    });
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

  it('asks a credentials getter for the signing key', async () => {
    let asked = 0;
    const getter = async () => {
      asked++;
      return SIGNING;
    };
    await issuerWith({ credentials: getter }).issue({
      workerName: 'alice',
      uid: UID,
      durationSeconds: 3600,
    });
    expect(asked).toBeGreaterThan(0);
    expect(sts.calls[0]!.accessKeyId).toBe(SIGNING.accessKeyId);
  });

  it('rejects names that try to escape their prefix before any request reaches STS', async () => {
    const issuer = issuerWith();
    for (const workerName of ['a/../b', '*', 'alice*', 'Alice', '../shared', 'a?', '', 'a'.repeat(64)]) {
      const error = await caught(issuer.issue({ workerName, uid: UID, durationSeconds: 3600 }));
      expect(error, workerName).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('name');
    }
    expect(sts.calls).toHaveLength(0);
  });

  it('rejects a duration STS would refuse before any request', async () => {
    const error = await caught(issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 899 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(sts.calls).toHaveLength(0);
  });

  it('reports AccessDenied as a 502 BackendError naming the provider and code, with no secret', async () => {
    sts.failNext('denied');
    const error = await caught(issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
    expect(error).toBeInstanceOf(BackendError);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(
      /^aws STS AssumeRole failed: AccessDenied \(HTTP 403, request id [0-9a-f-]{36}\)$/,
    );
    expectNoSecrets(error, [SIGNING.accessKeySecret, SIGNING.securityToken, sts.lastIssued?.secretAccessKey]);
  });

  it('reports throttling as a 503 BackendUnavailableError with Retry-After', async () => {
    sts.failNext('throttled');
    const error = await caught(issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.message).toContain('Throttling');
    expectNoSecrets(error, [SIGNING.accessKeySecret, SIGNING.securityToken]);
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

  it('reports a 500 from STS as retryable (503)', async () => {
    sts.failNext('internal');
    const error = await caught(issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toContain('InternalFailure');
  });

  it.each(['garbage', 'incomplete'] as const)(
    'reports a %s answer as a 502 BackendError that quotes nothing of it',
    async (failure) => {
      sts.failNext(failure);
      const error = await caught(
        issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }),
      );
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toMatch(/^aws STS AssumeRole returned a malformed response/);
      const minted = sts.lastIssued!;
      expectNoSecrets(error, [
        minted.secretAccessKey,
        minted.sessionToken,
        SIGNING.accessKeySecret,
        SIGNING.securityToken,
      ]);
    },
  );

  it('is refused by STS when signed with the wrong secret, reported without either secret', async () => {
    const wrong = { ...SIGNING, accessKeySecret: 'not-the-right-secret' };
    const error = await caught(
      issuerWith({ credentials: wrong }).issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }),
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toContain('SignatureDoesNotMatch');
    expect(sts.calls[0]!.accessKeyId).toBeUndefined();
    expectNoSecrets(error, [wrong.accessKeySecret, SIGNING.securityToken]);
  });

  it('reports an unreachable endpoint as a 503 BackendUnavailableError', async () => {
    const closedUrl = sts.url;
    await sts.close();
    const error = await caught(
      issuerWith({ stsEndpoint: closedUrl }).issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }),
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toContain('ECONNREFUSED');
    sts = await startFakeAwsSts({ keys: {} });
  });

  describe('configuration', () => {
    it('names the missing or unusable setting', () => {
      expect(() => issuerWith({ roleArn: 'agent-data' })).toThrow(/roleArn/);
      expect(() => issuerWith({ bucket: 'x' })).toThrow(/bucket/);
      expect(() => issuerWith({ region: '' })).toThrow(/region/);
      expect(() => issuerWith({ dataRoot: '../up' })).toThrow(/dataRoot/);
      expect(() => issuerWith({ region: '' })).toThrow(ConfigError);
    });

    it('turns signing credentials without a secret into a configuration error at issue time', async () => {
      const issuer = issuerWith({ credentials: async () => ({ accessKeyId: 'ASIA', accessKeySecret: '' }) });
      const error = await caught(issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('credentials');
      expect(sts.calls).toHaveLength(0);
      expect((await issuer.health()).ok).toBe(false);
    });

    it('reports a failing credentials getter as retryable (503), making no call', async () => {
      const issuer = issuerWith({
        credentials: async () => {
          throw new Error(`metadata endpoint down ${SIGNING.accessKeySecret}`);
        },
      });
      const error = await caught(issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expectNoSecrets(error, [SIGNING.accessKeySecret]);
      expect(sts.calls).toHaveLength(0);
    });

    it('reports its health without calling STS and without secrets', async () => {
      const health = await issuerWith().health();
      expect(health).toEqual({ ok: true, message: expect.stringContaining('eu-west-1') });
      expect(health.message).not.toContain(SIGNING.accessKeySecret);
      expect(sts.calls).toHaveLength(0);
    });
  });
});
