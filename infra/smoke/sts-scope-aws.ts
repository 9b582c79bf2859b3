/**
 * `sts-scope` on AWS: the product's issuer (`AwsStsIssuer`: AssumeRole with the worker's session policy) issues
 * credentials for a smoke worker, and the product's S3 adapter, given those credentials, then writes once under
 * the worker's own prefix (must be allowed) and once under another worker's prefix (must be refused with 403
 * AccessDenied). The fakes only check the policy as a document; this is the check that S3 enforces it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { readAwsStsSettings } from '../../src/config/cloud';
import { AwsStsIssuer } from '../../src/credentials/aws-sts';
import { S3Store } from '../../src/store/s3';
import { awsCredentials, productSettings } from './settings';
import { describeError, type SmokeStepRunner } from './step';

/** `allowed`, or what refused the write: the S3 error under the adapter's own (`AccessDenied (HTTP 403)`). */
const attempt = (write: () => Promise<unknown>): Promise<string> =>
  write().then(
    () => 'allowed',
    (error: unknown) => describeError((error as { cause?: unknown }).cause ?? error),
  );

export const stsScopeAws: SmokeStepRunner = {
  id: 'sts-scope',
  async run(ctx) {
    const sts = productSettings(() => readAwsStsSettings(ctx.env, ctx.env.DATA_ROOT ?? ''));
    const credentials = awsCredentials(ctx.env);
    const issuer = new AwsStsIssuer({
      ...sts,
      ...(credentials
        ? {
            credentials: {
              accessKeyId: credentials.accessKeyId,
              accessKeySecret: credentials.secretAccessKey,
              ...(credentials.sessionToken ? { securityToken: credentials.sessionToken } : {}),
            },
          }
        : {}),
    });
    const self = `${ctx.run}-self`;
    const other = `${ctx.run}-other`;

    const issued = await issuer.issue({ workerName: self, uid: randomUUID(), durationSeconds: 900 });
    const own = issued.prefixes[0]!;
    const foreign = own.replace(`agents/${self}/`, `agents/${other}/`);
    ctx.check(
      'issue',
      `temporary credentials (with a session token) for ${own} and the shared prefix`,
      `${issued.securityToken ? 'with' : 'without'} a session token, for ${issued.prefixes.join(' and ')}, expiring ${issued.expiration}`,
      Boolean(issued.securityToken) && own.endsWith(`agents/${self}/`),
    );

    // STS_S3_ENDPOINT for an S3-compatible store or a VPC endpoint; otherwise the SDK's regional default.
    const where = {
      bucket: issued.bucket,
      region: sts.region,
      ...(sts.s3Endpoint ? { endpoint: sts.s3Endpoint } : {}),
    };
    const scoped = new S3Store({
      ...where,
      credentials: {
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.accessKeySecret,
        sessionToken: issued.securityToken,
      },
    });
    const caller = new S3Store({ ...where, ...(credentials ? { credentials } : {}) });
    const name = `smoke-${ctx.run}`;
    // With the caller's own credentials: the foreign object exists only if the policy failed to stop it.
    ctx.cleanup(`s3://${issued.bucket}/${own}${name} and ${foreign}${name}`, async () => {
      await caller.delete(`${own}${name}`);
      await caller.delete(`${foreign}${name}`);
    });

    const mine = await attempt(() => scoped.put(`${own}${name}`, ctx.run));
    ctx.check('own prefix', `PutObject ${own}… allowed`, mine, mine === 'allowed');
    const theirs = await attempt(() => scoped.put(`${foreign}${name}`, ctx.run));
    ctx.check(
      'other prefix',
      `PutObject ${foreign}… refused: AccessDenied (HTTP 403)`,
      theirs === 'allowed' ? 'allowed' : `refused: ${theirs}`,
      theirs === 'AccessDenied (HTTP 403)',
    );
  },
};
