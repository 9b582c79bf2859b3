import { ConfigError, StoreUnavailableError } from '../../errors';
import { DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, withRetry } from '../retry';
import { classifyOssError, describeOssError, type OssClient } from './client';

/**
 * The OSS store refuses a bucket whose versioning was ever turned on. Its compare-and-swap is a create with
 * `x-oss-forbid-overwrite: true`, and OSS ignores that header when the bucket's versioning is Enabled or
 * Suspended: two writers would both "create" version n+1, each believing it won, and state would be lost
 * silently. Versioning can be suspended but never switched off again, so a bucket that ever had it can never
 * hold the state: a refusal is final, and the store caches it.
 *
 * A bucket that was never versioned answers `GetBucketVersioning` without a `Status`. A failure to find out
 * (throttling, network, a missing `oss:GetBucketVersioning` permission) is thrown and not cached: it says
 * nothing about the bucket, and the next request asks again.
 */
export type VersioningVerdict = { ok: true } | { ok: false; refusal: ConfigError };

export async function checkNeverVersioned(
  client: OssClient,
  bucket: string,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<VersioningVerdict> {
  let status: string | undefined;
  try {
    status = (await withRetry(() => client.getBucketVersioning(bucket), classifyOssError, policy))
      .versionStatus;
  } catch (error) {
    const last = error instanceof RetriesExhausted ? error.last : error;
    const denied = (last as { status?: number } | undefined)?.status === 403;
    const message =
      `[orchestrator] [state:oss] cannot read the versioning of bucket ${bucket} (OSS_BUCKET): ` +
      `${describeOssError(last)}` +
      (denied ? '; the function role needs oss:GetBucketVersioning on the bucket' : '');
    throw denied
      ? new ConfigError(message, { cause: last })
      : new StoreUnavailableError(message, { cause: last });
  }
  if (status !== 'Enabled' && status !== 'Suspended') return { ok: true };
  return {
    ok: false,
    refusal: new ConfigError(
      `[orchestrator] [state:oss] bucket ${bucket} (OSS_BUCKET) has versioning ${status}: OSS ignores ` +
        'x-oss-forbid-overwrite on a versioned bucket, so two concurrent writers could both win and state ' +
        'would be lost. Versioning cannot be switched off again: use a bucket that never had it enabled.',
    ),
  };
}
