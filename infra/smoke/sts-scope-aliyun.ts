/**
 * `sts-scope` on Alibaba Cloud: the product's issuer (`AliyunStsIssuer`: AssumeRole with the worker's session
 * policy) issues credentials for a smoke worker, and those credentials then write once under the worker's own
 * prefix (must be allowed) and once under another worker's prefix (must be refused with 403 AccessDenied). The
 * fakes only check the policy as a document; this is the check that OSS enforces it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { readAliyunStsSettings } from '../../src/config/cloud';
import { AliyunStsIssuer } from '../../src/credentials/aliyun-sts';
import { createOssClient } from '../../src/store/oss';
import { aliyunCredentials, productSettings } from './settings';
import { describeError, type SmokeStepRunner } from './step';

/** `allowed`, or what refused the write (`AccessDenied (HTTP 403)` is the refusal the step expects). */
const attempt = (write: () => Promise<unknown>): Promise<string> =>
  write().then(
    () => 'allowed',
    (error: unknown) => describeError(error),
  );

export const stsScopeAliyun: SmokeStepRunner = {
  id: 'sts-scope',
  async run(ctx) {
    const sts = productSettings(() => readAliyunStsSettings(ctx.env, ctx.env.DATA_ROOT ?? ''));
    const credentials = aliyunCredentials(ctx.env);
    // The OSS region as the product derives it (V4 signing needs it even with an explicit endpoint).
    const region = ctx.env.OSS_REGION ?? `oss-${sts.region ?? 'cn-hangzhou'}`;
    const issuer = new AliyunStsIssuer({ ...sts, credentials });
    const self = `${ctx.run}-self`;
    const other = `${ctx.run}-other`;

    const issued = await issuer.issue({ workerName: self, uid: randomUUID(), durationSeconds: 900 });
    const own = issued.prefixes[0]!;
    const foreign = own.replace(`agents/${self}/`, `agents/${other}/`);
    ctx.check(
      'issue',
      `temporary credentials (with a token) for ${own} and the shared prefix`,
      `${issued.securityToken ? 'with' : 'without'} a token, for ${issued.prefixes.join(' and ')}, expiring ${issued.expiration}`,
      Boolean(issued.securityToken) && own.endsWith(`agents/${self}/`),
    );

    const client = (c: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
      createOssClient({ bucket: issued.bucket, region, endpoint: issued.endpoint, ...c, timeoutMs: 10_000 });
    const scoped = client(issued);
    const caller = client(credentials);
    const name = `smoke-${ctx.run}`;
    // With the caller's own credentials: the foreign object exists only if the policy failed to stop it.
    ctx.cleanup(`oss://${issued.bucket}/${own}${name} and ${foreign}${name}`, async () => {
      await caller.deleteMulti([`${own}${name}`, `${foreign}${name}`], { quiet: true });
    });

    const mine = await attempt(() => scoped.put(`${own}${name}`, Buffer.from(ctx.run)));
    ctx.check('own prefix', `PutObject ${own}… allowed`, mine, mine === 'allowed');
    const theirs = await attempt(() => scoped.put(`${foreign}${name}`, Buffer.from(ctx.run)));
    ctx.check(
      'other prefix',
      `PutObject ${foreign}… refused: AccessDenied (HTTP 403)`,
      theirs === 'allowed' ? 'allowed' : `refused: ${theirs}`,
      theirs === 'AccessDenied (HTTP 403)',
    );
  },
};
