/**
 * The `sts-scope` smoke step on both clouds, through the real issuers and storage clients against the
 * protocol-level STS fakes and the OSS / S3 fakes, which accept the issued credentials and enforce the session
 * policy they were issued with. Passing: the worker's own prefix is writable and another worker's is refused.
 * Failing: storage that ignores the session policy (the failure the step exists to catch) lets the foreign write
 * through; the row fails, and the clean-up removes that object too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { type FakeAliyunSts, startFakeAliyunSts } from '../../support/fakes/aliyun-sts';
import { type FakeAwsSts, startFakeAwsSts } from '../../support/fakes/aws-sts';
import { FakeOssServer } from '../../support/fakes/oss';
import { FakeS3Server } from '../../support/fakes/s3';

const ALIYUN = { id: 'LTAIsmokeCaller0001', secret: 'smoke-caller-secret' };
const AWS = { id: 'AKIASMOKECALLER00001', secret: 'smoke-caller-secret' };

const row = (text: string, id: string) => text.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function aliyun(policies: 'enforced' | 'ignored') {
  const oss = new FakeOssServer({ credentials: { [ALIYUN.id]: ALIYUN.secret } });
  oss.sessionPolicies = policies;
  const ossEndpoint = await oss.start();
  const sts: FakeAliyunSts = await startFakeAliyunSts({
    keys: { [ALIYUN.id]: { secret: ALIYUN.secret } },
    onIssue: (issued, policy) => oss.addSession({ ...issued, ...(policy ? { policy } : {}) }),
  });
  closers.push(
    () => oss.close(),
    () => sts.close(),
  );
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aliyun', '--yes'],
    {
      ALIBABA_CLOUD_ACCESS_KEY_ID: ALIYUN.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ALIYUN.secret,
      STS_ROLE_ARN: 'acs:ram::1234567890123456:role/smoke-worker-data',
      STS_BUCKET: 'smoke-data',
      STS_REGION: 'cn-hangzhou',
      STS_ENDPOINT: sts.url,
      STS_OSS_ENDPOINT: ossEndpoint,
    },
    { out: (line) => output.push(line), run: 'smoke-sts' },
  );
  return { code, text: output.join('\n'), oss, sts };
}

async function aws(policies: 'enforced' | 'ignored') {
  const s3 = new FakeS3Server(['smoke-data']);
  s3.sessionPolicies = policies;
  const s3Endpoint = await s3.start();
  const sts: FakeAwsSts = await startFakeAwsSts({
    keys: { [AWS.id]: { secret: AWS.secret } },
    onIssue: (issued, policy) => s3.addSession({ ...issued, ...(policy ? { policy } : {}) }),
  });
  closers.push(
    () => s3.close(),
    () => sts.close(),
  );
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aws', '--yes'],
    {
      AWS_ACCESS_KEY_ID: AWS.id,
      AWS_SECRET_ACCESS_KEY: AWS.secret,
      STS_ROLE_ARN: 'arn:aws:iam::123456789012:role/smoke-worker-data',
      STS_BUCKET: 'smoke-data',
      STS_REGION: 'us-east-1',
      STS_ENDPOINT: sts.url,
      STS_S3_ENDPOINT: s3Endpoint,
    },
    { out: (line) => output.push(line), run: 'smoke-sts' },
  );
  return { code, text: output.join('\n'), s3, sts };
}

describe('smoke: sts-scope on Alibaba Cloud (OSS)', () => {
  it('issues scoped credentials: own prefix writable, another worker’s refused; nothing is left', async () => {
    const { code, text, oss, sts } = await aliyun('enforced');
    expect(code, text).toBe(0);
    expect(row(text, 'sts-scope: issue')).toMatch(
      /with a token, for agents\/smoke-sts-self\/ and shared\/.*\| PASS/,
    );
    expect(row(text, 'sts-scope: own prefix')).toMatch(/\| allowed +\| PASS/);
    expect(row(text, 'sts-scope: other prefix')).toMatch(
      /agents\/smoke-sts-other\/.*\| refused: AccessDenied \(HTTP 403\) +\| PASS/,
    );
    expect(row(text, 'sts-scope: cleanup')).toMatch(/\| PASS/);
    expect([...oss.objects.keys()]).toEqual([]);
    // The issued credentials really were cut for the smoke worker, with the product's session policy.
    expect(sts.calls[0]!.params.RoleSessionName).toMatch(/^w-smoke-sts-self-/);
    expect(sts.calls[0]!.params.Policy).toContain('smoke-data/agents/smoke-sts-self/*');
  });

  it('fails the cross-prefix row when OSS ignores the session policy, and removes the foreign object', async () => {
    const { code, text, oss } = await aliyun('ignored');
    expect(code, text).toBe(1);
    expect(row(text, 'sts-scope: other prefix')).toMatch(/\| allowed +\| FAIL/);
    expect(row(text, 'sts-scope: cleanup')).toMatch(/\| PASS/);
    expect([...oss.objects.keys()]).toEqual([]);
  });
});

describe('smoke: sts-scope on AWS (S3)', () => {
  it('issues scoped credentials: own prefix writable, another worker’s refused; nothing is left', async () => {
    const { code, text, s3, sts } = await aws('enforced');
    expect(code, text).toBe(0);
    expect(row(text, 'sts-scope: issue')).toMatch(
      /with a session token, for agents\/smoke-sts-self\/ and shared\/.*\| PASS/,
    );
    expect(row(text, 'sts-scope: own prefix')).toMatch(/\| allowed +\| PASS/);
    expect(row(text, 'sts-scope: other prefix')).toMatch(/\| refused: AccessDenied \(HTTP 403\) +\| PASS/);
    expect([...s3.objects.keys()]).toEqual([]);
    expect(sts.calls[0]!.params.Policy).toContain('arn:aws:s3:::smoke-data/agents/smoke-sts-self/*');
  });

  it('fails the cross-prefix row when S3 ignores the session policy, and removes the foreign object', async () => {
    const { code, text, s3 } = await aws('ignored');
    expect(code, text).toBe(1);
    expect(row(text, 'sts-scope: other prefix')).toMatch(/\| allowed +\| FAIL/);
    expect([...s3.objects.keys()]).toEqual([]);
  });
});
