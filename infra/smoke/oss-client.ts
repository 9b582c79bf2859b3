/**
 * The OSS client the OSS steps use: the state store's own (ali-oss, V4-signed), configured from the same
 * `OSS_*` variables as the state store, with the caller's `ALIBABA_CLOUD_*` credentials.
 *
 * @module
 */
import { readOssSettings } from '../../src/config/cloud';
import type { Env } from '../../src/config/env';
import { createOssClient, type OssClient } from '../../src/store/oss';
import { aliyunCredentials, productSettings } from './settings';

export function ossSmokeClient(env: Env): { client: OssClient; bucket: string } {
  const oss = productSettings(() => readOssSettings(env));
  const credentials = aliyunCredentials(env);
  const client = createOssClient({
    bucket: oss.bucket,
    // readOssSettings always fills the region (OSS_REGION, else oss-<FC_REGION>): V4 signing needs it.
    region: oss.region ?? `oss-${env.FC_REGION ?? 'cn-hangzhou'}`,
    ...(oss.endpoint ? { endpoint: oss.endpoint } : {}),
    ...credentials,
    timeoutMs: 10_000,
  });
  return { client, bucket: oss.bucket };
}
