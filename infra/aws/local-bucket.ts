/**
 * `npx tsx infra/aws/local-bucket.ts`: creates the state bucket `S3_BUCKET` on `S3_ENDPOINT` (the local
 * environment of `osls invoke local`, `infra/aws/local.env`) unless it exists. In the cloud the stack creates the
 * bucket; locally nothing else would.
 *
 * @module
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export async function ensureLocalBucket(env: NodeJS.ProcessEnv): Promise<string> {
  const bucket = env.S3_BUCKET;
  const endpoint = env.S3_ENDPOINT;
  if (!bucket || !endpoint) {
    throw new Error('set S3_BUCKET and S3_ENDPOINT first: set -a; . infra/aws/local.env; set +a');
  }
  const s3 = new S3Client({
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
      : {}),
  });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return `bucket ${bucket} exists on ${endpoint}`;
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return `created bucket ${bucket} on ${endpoint}`;
  } finally {
    s3.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await ensureLocalBucket(process.env));
