/**
 * AliyunStsIssuer through the real `@alicloud/sts20150401` client against a protocol-level fake of Alibaba STS
 * (`test/support/fakes/aliyun-sts.ts`) on 127.0.0.1: the fake verifies the V3 signature, so these tests
 * prove what goes over the wire, not what a mock was told to expect. The issuer contract both vendors share is
 * `test/conformance/issuer.case.ts`; what follows it is Alibaba's own: V3 signing, the RAM policy, OIDC (RRSA).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliyunStsIssuer, type AliyunStsIssuerOptions } from '../../src/credentials/aliyun-sts';
import type { SigningCredentials } from '../../src/credentials/port';
import { BackendError, BackendUnavailableError, ConfigError } from '../../src/errors';
import { runIssuerSuite } from '../conformance/issuer.case';
import { type FakeAliyunSts, startFakeAliyunSts } from '../support/fakes/aliyun-sts';
import { caught, expectNoSecrets } from '../support/secret-checks';

// What FC hands a function: temporary credentials (an STS AK plus its token).
const SIGNING = {
  accessKeyId: 'STS.NTfcFunctionKey',
  accessKeySecret: 'fc-signing-secret-9f8e7d',
  securityToken: 'fc-sec-token-CAIS1234',
};
const ROLE = 'acs:ram::1234567890123456:role/agent-data';
const UID = '3f2a9c1e-7b4d-4c2a-9e1f-0123456789ab';
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.rrsa-projected-token.sig';

/** The exact RAM policy for worker alice in bucket agents-data: her prefix read-write, `shared/` read-only. */
const alicePolicy = (root = '') => ({
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject'],
      Resource: [`acs:oss:*:*:agents-data/${root}agents/alice/*`, `acs:oss:*:*:agents-data/${root}shared/*`],
    },
    {
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: ['acs:oss:*:*:agents-data'],
      Condition: {
        StringLike: {
          'oss:Prefix': [
            `${root}agents/alice/`,
            `${root}agents/alice/*`,
            `${root}shared/`,
            `${root}shared/*`,
          ],
        },
      },
    },
  ],
});

const issuerAt = (stsEndpoint: string, overrides: Partial<AliyunStsIssuerOptions> = {}) =>
  new AliyunStsIssuer({
    roleArn: ROLE,
    bucket: 'agents-data',
    ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
    region: 'cn-hangzhou',
    stsEndpoint,
    credentials: SIGNING,
    ...overrides,
  });

const startSts = (keys: SigningCredentials[], oidcTokens?: string[]) =>
  startFakeAliyunSts({
    keys: Object.fromEntries(
      keys.map((key) => [key.accessKeyId, { secret: key.accessKeySecret, securityToken: key.securityToken }]),
    ),
    ...(oidcTokens ? { oidcTokens } : {}),
  });

const misconfigured = (setting: string, overrides: Partial<AliyunStsIssuerOptions>) => ({
  setting,
  make: (stsEndpoint: string) => issuerAt(stsEndpoint, overrides),
});

runIssuerSuite({
  label: 'AliyunStsIssuer against a protocol-level fake of Alibaba STS',
  provider: 'aliyun',
  signing: SIGNING,
  startSts: async (keys) => {
    const sts = await startSts(keys);
    return {
      url: sts.url,
      calls: sts.calls,
      minted: () => [sts.lastIssued?.accessKeySecret, sts.lastIssued?.securityToken],
      failNext: (failure) => sts.failNext(failure),
      close: () => sts.close(),
    };
  },
  issuer: ({ stsEndpoint, ...overrides }) => issuerAt(stsEndpoint, overrides),
  misconfigured: [
    misconfigured('roleArn', { roleArn: '' }),
    misconfigured('bucket', { bucket: 'Bad_Bucket' }),
    misconfigured('ossEndpoint', { ossEndpoint: '' }),
    misconfigured('dataRoot', { dataRoot: 'a/*' }),
    misconfigured('stsEndpoint', { stsEndpoint: 'http://sts.local/some/path' }),
    misconfigured('credentials', { credentials: undefined }),
    misconfigured('oidcTokenFile', { oidcProviderArn: 'acs:ram::1:oidc-provider/x' }),
  ],
  codes: { denied: 'NoPermission', throttled: 'Throttling.User', internal: 'InternalError' },
  deniedMessage: /^aliyun STS AssumeRole failed: NoPermission \(HTTP 403, request id [0-9A-F]+\)$/,
  throttledRetryAfterSeconds: 3,
  healthMentions: ['AssumeRole via 127.0.0.1:'],
});

describe('AliyunStsIssuer against a protocol-level fake of Alibaba STS', () => {
  let sts: FakeAliyunSts;
  const oidcTokens = [OIDC_TOKEN];
  const issuerWith = (overrides: Partial<AliyunStsIssuerOptions> = {}) => issuerAt(sts.url, overrides);

  beforeEach(async () => {
    sts = await startSts([SIGNING], oidcTokens);
  });
  afterEach(() => sts.close());

  it('sends a V3-signed AssumeRole 2015-04-01 with the session name, duration and exact policy, and returns the credentials', async () => {
    const issued = await issuerWith().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 });

    expect(sts.calls).toHaveLength(1);
    const call = sts.calls[0]!;
    expect(call).toMatchObject({ action: 'AssumeRole', version: '2015-04-01' });
    // Signed with the function's temporary credentials: the fake checked the signature and the token.
    expect(call.accessKeyId).toBe(SIGNING.accessKeyId);
    expect(call.securityToken).toBe(SIGNING.securityToken);
    expect(call.params.RoleArn).toBe(ROLE);
    expect(call.params.RoleSessionName).toBe('w-alice-3f2a9c1e');
    expect(call.params.DurationSeconds).toBe('3600');
    expect(JSON.parse(call.params.Policy!)).toEqual(alicePolicy());
    expect(call.params.Policy).toBe(JSON.stringify(alicePolicy()));

    expect(issued).toEqual({
      provider: 'aliyun',
      accessKeyId: sts.lastIssued!.accessKeyId,
      accessKeySecret: sts.lastIssued!.accessKeySecret,
      securityToken: sts.lastIssued!.securityToken,
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      bucket: 'agents-data',
      prefixes: ['agents/alice/', 'shared/'],
      region: 'cn-hangzhou',
    });
    expect(Date.parse(issued.expiration) - Date.now()).toBeGreaterThan(3500_000);
  });

  it('scopes the policy under the data root when one is configured', async () => {
    const issued = await issuerWith({ dataRoot: 'team-1' }).issue({
      workerName: 'alice',
      uid: UID,
      durationSeconds: 900,
    });
    expect(JSON.parse(sts.calls[0]!.params.Policy!)).toEqual(alicePolicy('team-1/'));
    expect(sts.calls[0]!.params.DurationSeconds).toBe('900');
    expect(issued.prefixes).toEqual(['team-1/agents/alice/', 'team-1/shared/']);
  });

  describe('with an OIDC token file (RRSA)', () => {
    let dir: string;
    let tokenFile: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'oidc-'));
      tokenFile = join(dir, 'token');
      await writeFile(tokenFile, `${OIDC_TOKEN}\n`);
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));
    const oidcIssuer = () =>
      issuerWith({
        credentials: undefined,
        oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa',
        oidcTokenFile: tokenFile,
      });

    it('calls AssumeRoleWithOIDC unsigned with the token read from the file on every call', async () => {
      const issuer = oidcIssuer();
      const first = await issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 });
      // The platform rotates the projected token; the next call must send the new one.
      oidcTokens.push('eyJrotated.token.sig');
      await writeFile(tokenFile, 'eyJrotated.token.sig');
      await issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 });

      expect(sts.calls.map((c) => [c.action, c.version, c.params.OIDCToken])).toEqual([
        ['AssumeRoleWithOIDC', '2015-04-01', OIDC_TOKEN],
        ['AssumeRoleWithOIDC', '2015-04-01', 'eyJrotated.token.sig'],
      ]);
      const call = sts.calls[0]!;
      expect(call.headers.authorization).toBeUndefined();
      expect(call.params.OIDCProviderArn).toBe('acs:ram::1234567890123456:oidc-provider/ack-rrsa');
      expect(call.params.RoleArn).toBe(ROLE);
      expect(call.params.RoleSessionName).toBe('w-alice-3f2a9c1e');
      expect(call.params.DurationSeconds).toBe('3600');
      expect(JSON.parse(call.params.Policy!)).toEqual(alicePolicy());
      expect(first.prefixes).toEqual(['agents/alice/', 'shared/']);
      oidcTokens.pop();
    });

    it('reports a token STS refuses without quoting the token', async () => {
      await writeFile(tokenFile, 'eyJexpired.token.sig');
      const error = await caught(
        oidcIssuer().issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }),
      );
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toContain('AuthenticationFail.OIDCToken.Invalid');
      expectNoSecrets(error, ['eyJexpired.token.sig']);
    });

    it('keeps the token out of an unreachable-endpoint error, though the SDK puts it in the URL', async () => {
      const closedUrl = sts.url;
      await sts.close();
      const issuer = new AliyunStsIssuer({
        roleArn: ROLE,
        bucket: 'agents-data',
        ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
        stsEndpoint: closedUrl,
        oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa',
        oidcTokenFile: tokenFile,
      });
      const error = await caught(issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expectNoSecrets(error, [OIDC_TOKEN]);
      sts = await startSts([]);
    });

    it('treats a missing token file as a configuration error naming oidcTokenFile, making no call', async () => {
      await rm(tokenFile);
      const issuer = oidcIssuer();
      const error = await caught(issuer.issue({ workerName: 'alice', uid: UID, durationSeconds: 3600 }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('oidcTokenFile');
      expect(sts.calls).toHaveLength(0);
      expect(await issuer.health()).toEqual({ ok: false, message: expect.stringContaining('oidcTokenFile') });
    });
  });
});
