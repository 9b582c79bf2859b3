/**
 * `oss-bucket-unversioned`: GetBucketVersioning, V4-signed. A bucket never versioned answers without a Status;
 * on a versioned (or suspended) bucket OSS ignores forbid-overwrite, and the store refuses to start there. The
 * request being accepted at all shows the account takes V4 signatures with the configured region.
 *
 * @module
 */
import { ossSmokeClient } from './oss-client';
import type { SmokeStepRunner } from './step';

export const ossBucketUnversioned: SmokeStepRunner = {
  id: 'oss-bucket-unversioned',
  async run(ctx) {
    const { client, bucket } = ossSmokeClient(ctx.env);
    const { versionStatus } = await client.getBucketVersioning(bucket);
    const expected = 'no versioning Status (V4 request accepted)';
    ctx.check(undefined, expected, versionStatus ? `versioning ${versionStatus}` : expected, !versionStatus);
  },
};
