// ali-oss ships no type declarations; the adapter types the few calls it makes (below) instead.
// @ts-expect-error TS7016: no declaration file for 'ali-oss'
import * as aliOssModule from 'ali-oss';
import type { Verdict } from '../retry';

/**
 * The slice of `ali-oss` (v6) the OSS adapter uses, typed, plus how its failures are read.
 *
 * ali-oss is CommonJS (`module.exports = Client`). Depending on the loader, a namespace import yields the class
 * itself, or an object whose `default` is the class (native ESM, tsx, esbuild's interop); both are handled.
 *
 * @module
 */

export interface OssResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

export interface OssListedObject {
  name: string;
  lastModified: string;
  size: number;
}

export interface OssClient {
  put(
    name: string,
    content: Buffer,
    options?: { headers?: Record<string, string> },
  ): Promise<{ res: OssResponse }>;
  get(name: string): Promise<{ content: Buffer; res: OssResponse }>;
  head(name: string): Promise<{ status: number; res: OssResponse }>;
  deleteMulti(names: string[], options?: { quiet?: boolean }): Promise<unknown>;
  /** `GET /?versioning`: `versionStatus` is `Enabled`, `Suspended`, or absent for a bucket never versioned. */
  getBucketVersioning(bucket: string): Promise<{ versionStatus?: string; res: OssResponse }>;
  listV2(
    query: Record<string, string | number | undefined>,
    options?: Record<string, unknown>,
  ): Promise<{
    objects: OssListedObject[] | null;
    isTruncated: boolean;
    nextContinuationToken: string | null;
  }>;
}

export interface OssClientOptions {
  bucket: string;
  /**
   * `oss-cn-hangzhou` style. Needed even with an `endpoint`: the V4 signature's scope names the region, and
   * ali-oss cannot derive it from an endpoint.
   */
  region: string;
  /** e.g. `https://oss-cn-hangzhou-internal.aliyuncs.com`; an IP endpoint is addressed path-style by ali-oss. */
  endpoint?: string;
  cname?: boolean;
  secure?: boolean;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** Called by ali-oss to renew temporary (STS) credentials before they expire. */
  refreshCredentials?: () => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }>;
  timeoutMs: number;
}

type OssConstructor = new (options: Record<string, unknown>) => OssClient;

const resolveConstructor = (): OssConstructor => {
  const candidate = aliOssModule as unknown as { default?: unknown };
  return (typeof candidate === 'function' ? candidate : candidate.default) as OssConstructor;
};

export function createOssClient(options: OssClientOptions): OssClient {
  const OSS = resolveConstructor();
  return new OSS({
    bucket: options.bucket,
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // V4 (OSS4-HMAC-SHA256): OSS no longer accepts V1 from accounts opened since 2025-03-01 or buckets created
    // since 2025-09-01, and ali-oss 6 still signs V1 unless told otherwise.
    authorizationV4: true,
    ...(options.cname ? { cname: true } : {}),
    secure: options.secure ?? !options.endpoint?.startsWith('http://'),
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    ...(options.securityToken ? { stsToken: options.securityToken } : {}),
    ...(options.refreshCredentials
      ? {
          refreshSTSToken: async () => {
            const fresh = await options.refreshCredentials!();
            return {
              accessKeyId: fresh.accessKeyId,
              accessKeySecret: fresh.accessKeySecret,
              stsToken: fresh.securityToken,
            };
          },
        }
      : {}),
    timeout: options.timeoutMs,
    // Retries are ours (bounded, jittered, translated).
    retryMax: 0,
  });
}

interface OssErrorShape {
  name?: string;
  code?: string;
  status?: number;
}

const shape = (error: unknown): OssErrorShape =>
  typeof error === 'object' && error !== null ? (error as OssErrorShape) : {};

export const isOssNotFound = (error: unknown): boolean => shape(error).status === 404;

/**
 * `x-oss-forbid-overwrite: true` on an existing key. Matched on the code alone: OSS has other 409s (e.g.
 * `FileImmutable` under a retention policy) that do not mean "the key is taken", and reading them as a lost
 * create race would turn a store failure into a lost precondition.
 */
export const isFileAlreadyExists = (error: unknown): boolean => shape(error).code === 'FileAlreadyExists';

const isTimeout = (error: unknown): boolean => {
  const { name, status } = shape(error);
  return status === -2 || name === 'ResponseTimeoutError' || name === 'ConnectionTimeoutError';
};

/**
 * Retry throttling and server errors (5xx, 429) and transport failures (ali-oss reports a network error as
 * status -1 and a timeout as -2); fail at once on any other 4xx.
 */
export const classifyOssError = (error: unknown): Verdict => {
  const { status } = shape(error);
  if (status === undefined || status < 0 || isTimeout(error)) return 'retry';
  return status >= 500 || status === 429 ? 'retry' : 'fail';
};

/** The OSS error code and status, or the transport failure; never the vendor message or request details. */
export const describeOssError = (error: unknown): string => {
  const { name, code, status } = shape(error);
  if (isTimeout(error)) return 'request timed out';
  if (status !== undefined && status > 0) return `${code ?? name ?? 'error'} (HTTP ${status})`;
  return `network error (${name ?? 'unknown'})`;
};
