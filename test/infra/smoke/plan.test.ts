/**
 * `npm run smoke`: the dry run (offline, prints the plan), the --yes gate, skipped steps, and the OSS steps through the real
 * ali-oss client against the protocol-level OSS fake (which verifies V4 signatures). The race step is only as
 * good as the fake's model of forbid-overwrite: the fake serializes creators, so here it shows the step counts
 * and cleans up correctly; whether real OSS is atomic is what the step is for.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { FakeOssServer } from '../../support/fakes/oss';

const KEY = 'LTAIsmokeTest0001';
const SECRET = 'smoke-test-secret';
const oss = new FakeOssServer({ credentials: { [KEY]: SECRET } });
let endpoint = '';
let output: string[] = [];
beforeAll(async () => {
  endpoint = await oss.start();
});
afterAll(() => oss.close());
beforeEach(() => {
  output = [];
  oss.versioning = 'Off';
});

const env = () => ({
  OSS_BUCKET: 'smoke-bucket',
  OSS_REGION: 'oss-cn-hangzhou',
  OSS_ENDPOINT: endpoint,
  ALIBABA_CLOUD_ACCESS_KEY_ID: KEY,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
});
const smoke = (argv: string[], extra: Record<string, string | undefined> = {}) =>
  main(argv, { ...env(), ...extra }, { out: (line) => output.push(line), run: 'smoke-test' });

describe('npm run smoke', () => {
  it.each(['aliyun', 'aws'])(
    '--dry-run prints the %s plan and sends nothing, without credentials',
    async (cloud) => {
      const before = oss.requests.length;
      expect(await smoke(['--cloud', cloud, '--dry-run'], { ALIBABA_CLOUD_ACCESS_KEY_ID: undefined })).toBe(
        0,
      );
      const text = output.join('\n');
      expect(text).toContain(`Smoke plan for ${cloud} (run smoke-test:`);
      expect(text).toContain(cloud === 'aliyun' ? 'oss-create-race' : 'ecs-lifecycle');
      expect(text).toContain('sts-scope');
      expect(text).toContain('Dry run: nothing was sent.');
      // Each step names what it reads, and the plan says up front which steps will be skipped for lack of it.
      if (cloud === 'aliyun') {
        expect(text).toContain('OSS_BUCKET=smoke-bucket');
        expect(text).toMatch(
          /sae-lifecycle \(will be skipped: SMOKE_SAE_IMAGE, SAE_REGION\|FC_REGION, ALIBABA_CLOUD_ACCESS_KEY_ID unset\)/,
        );
      } else {
        expect(text).toMatch(/ecs-lifecycle \(will be skipped: SMOKE_ECS_IMAGE, ECS_CLUSTER, ECS_SUBNETS/);
      }
      expect(text).not.toContain(SECRET);
      expect(oss.requests.length).toBe(before);
    },
  );

  it('refuses a real run without --yes, and an unknown cloud', async () => {
    const before = oss.requests.length;
    expect(await smoke(['--cloud', 'aliyun'])).toBe(1);
    expect(output.join('\n')).toContain('Add --yes to run it.');
    expect(await smoke(['--cloud', 'gcp', '--dry-run'])).toBe(2);
    expect(await smoke(['--cloud', 'aws', '--dry-run', '--creators', '1'])).toBe(2);
    expect(oss.requests.length).toBe(before);
  });

  it('fails a real run in which every step was skipped: nothing was checked', async () => {
    expect(await smoke(['--cloud', 'aws', '--yes'])).toBe(1);
    const text = output.join('\n');
    expect(text).toMatch(
      /s3-create-race +\| .*\| skipped: Environment variable S3_BUCKET is required.*\| SKIP/,
    );
    expect(text).toContain('Nothing ran: every step lacks a setting');
  });

  it('runs the OSS steps (V4-signed) and prints expected vs observed; the race leaves nothing behind', async () => {
    expect(await smoke(['--cloud', 'aliyun', '--yes', '--creators', '8']), output.join('\n')).toBe(0);
    const text = output.join('\n');
    expect(text).toMatch(
      /oss-create-race +\| 1 winner, 7 × 409 FileAlreadyExists.*\| 1 winner\(s\), 7 × 409.*\| PASS/,
    );
    expect(text).toMatch(/oss-bucket-unversioned .*\| PASS/);
    expect(text).toMatch(
      /oss-create-race: cleanup .*removed oss:\/\/smoke-bucket\/smoke\/smoke-test\/race +\| PASS/,
    );
    // Steps whose settings are absent say which, and do not fail the run.
    expect(text).toMatch(/fc-route-layout .*skipped: SMOKE_FC_DOMAIN is unset .*\| SKIP/);
    expect(text).toMatch(/sts-scope .*skipped: .*STS_ROLE_ARN.*\| SKIP/);
    expect([...oss.objects.keys()].filter((k) => k.startsWith('smoke/'))).toEqual([]);
  });

  it('fails the run, with both steps saying why, on a versioned bucket', async () => {
    oss.versioning = 'Enabled';
    expect(await smoke(['--cloud', 'aliyun', '--yes', '--creators', '4'])).toBe(1);
    const text = output.join('\n');
    expect(text).toMatch(/oss-bucket-unversioned .*versioning Enabled .*\| FAIL/);
    expect(text).toMatch(/oss-create-race .*4 winner\(s\), 0 × 409.*\| FAIL/);
  });
});
