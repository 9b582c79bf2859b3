/**
 * The OSS smoke steps, through the same ali-oss client (V4-signed) the state store uses.
 *
 * @module
 */
import { createOssClient, isFileAlreadyExists, type OssClient } from '../../src/store/oss';

export interface StepResult {
  id: string;
  expected: string;
  observed: string;
  pass: boolean;
}

export interface OssSmokeSettings {
  bucket: string;
  region: string;
  endpoint?: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  creators: number;
}

export const ossClientFor = (s: OssSmokeSettings): OssClient =>
  createOssClient({
    bucket: s.bucket,
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    accessKeyId: s.credentials.accessKeyId,
    accessKeySecret: s.credentials.accessKeySecret,
    ...(s.credentials.securityToken ? { securityToken: s.credentials.securityToken } : {}),
    timeoutMs: 10_000,
  });

/** N creators race to create one new object with forbid-overwrite; exactly one may win. */
export async function ossCreateRace(client: OssClient, run: string, creators: number): Promise<StepResult> {
  const name = `smoke/${run}/race`;
  const outcomes = await Promise.all(
    Array.from({ length: creators }, (_, i) =>
      client.put(name, Buffer.from(`creator-${i}`), { headers: { 'x-oss-forbid-overwrite': 'true' } }).then(
        () => ({ i, won: true }),
        (error: unknown) => ({ i, won: false, lost: isFileAlreadyExists(error), error }),
      ),
    ),
  );
  const winners = outcomes.filter((o) => o.won);
  const refused = outcomes.filter((o) => !o.won && 'lost' in o && o.lost).length;
  const stored = (await client.get(name)).content.toString('utf8');
  const holdsWinner = winners.length === 1 && stored === `creator-${winners[0]!.i}`;
  await client.deleteMulti([name], { quiet: true });
  return {
    id: 'oss-create-race',
    expected: `1 winner, ${creators - 1} × 409 FileAlreadyExists, object = winner`,
    observed: `${winners.length} winner(s), ${refused} × 409, object = ${stored}`,
    pass: holdsWinner && refused === creators - 1,
  };
}

export async function ossBucketUnversioned(client: OssClient, bucket: string): Promise<StepResult> {
  const { versionStatus } = await client.getBucketVersioning(bucket);
  return {
    id: 'oss-bucket-unversioned',
    expected: 'no versioning Status (V4 request accepted)',
    observed: versionStatus ? `versioning ${versionStatus}` : 'no versioning Status (V4 request accepted)',
    pass: !versionStatus,
  };
}
