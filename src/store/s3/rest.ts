import { AwsV4Signer } from 'aws4fetch';
import { ConfigError } from '../../errors';

/**
 * The handful of S3 REST calls the store makes (GET/PUT/DELETE/HEAD object, ListObjectsV2), signed with SigV4 by
 * `aws4fetch` and sent with the runtime's `fetch`. This replaces `@aws-sdk/client-s3` on the heartbeat path: the
 * SDK and its middleware stack were ~450 KiB of every AWS bundle's cold start for five requests, and it logged
 * "Stream of unknown length" for every 0-byte write (a string body here always has a known length).
 *
 * A failed request surfaces as `S3ResponseError`, shaped like the SDK's errors (`name` = the S3 error code,
 * `$metadata.httpStatusCode`), so `errors.ts` reads both the same way.
 *
 * @module
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Endpoint {
  bucket: string;
  region: string;
  /** Custom endpoint (Ceph RGW, MinIO…); unset = AWS's regional endpoint. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Unset = the environment's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` (Lambda's role). */
  credentials?: S3Credentials;
}

/** An S3 error answer: `name` is S3's error code (`NoSuchKey`, `PreconditionFailed`…), or `NotFound` for HEAD. */
export class S3ResponseError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(code: string, status: number) {
    super(`${code} (HTTP ${status})`);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Lambda hands a function its role's credentials in these variables (and replaces the execution environment
 * before they expire), so reading them on every request is the whole credential chain a function needs.
 */
function environmentCredentials(): S3Credentials {
  const env = typeof process === 'undefined' ? {} : process.env;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      'the S3 store needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them from its role)',
    );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** `a/b c` → `a/b%20c`: each path segment percent-encoded, the slashes kept. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

export class S3Rest {
  private readonly base: string;
  private readonly keyBase: string;
  /** aws4fetch's cache of derived signing keys (one per secret, day, region and service): four HMACs saved per request. */
  private readonly signingKeys = new Map<string, ArrayBuffer>();

  constructor(private readonly where: S3Endpoint) {
    const endpoint = (where.endpoint ?? `https://s3.${where.region}.amazonaws.com`).replace(/\/+$/, '');
    if (where.forcePathStyle) {
      this.base = `${endpoint}/${encodeURIComponent(where.bucket)}`;
    } else {
      const url = new URL(endpoint);
      url.hostname = `${where.bucket}.${url.hostname}`;
      this.base = url.toString().replace(/\/+$/, '');
    }
    this.keyBase = `${this.base}/`;
  }

  /** One signed request; a non-2xx answer throws `S3ResponseError` (the body read for its error code). */
  async request(
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    key: string | { query: Record<string, string> },
    options: { headers?: Record<string, string>; body?: string; signal: AbortSignal },
  ): Promise<Response> {
    const url =
      typeof key === 'string'
        ? this.keyBase + encodeKey(key)
        : `${this.keyBase}?${new URLSearchParams(key.query)}`;
    const signed = await new AwsV4Signer({
      method,
      url,
      headers: options.headers ?? {},
      ...(options.body !== undefined ? { body: options.body } : {}),
      service: 's3',
      region: this.where.region,
      cache: this.signingKeys,
      ...(this.where.credentials ?? environmentCredentials()),
    }).sign();
    const response = await fetch(signed.url, {
      method,
      headers: signed.headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      signal: options.signal,
    });
    if (response.ok) return response;
    const text = method === 'HEAD' ? '' : await response.text().catch(() => '');
    const code =
      /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (response.status === 404 ? 'NotFound' : 'UnknownError');
    throw new S3ResponseError(code, response.status);
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text → string: the five named entities and numeric references (S3 escapes keys in listings). */
export const xmlText = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : ENTITIES[entity]!,
  );

export interface ListedObject {
  key: string;
  lastModified: number;
}

/** A `ListBucketResult` (ListObjectsV2) document: its objects and whether more follow. */
export function parseListResult(xml: string): { objects: ListedObject[]; truncated: boolean } {
  const objects: ListedObject[] = [];
  for (const [, contents] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(contents!)?.[1];
    if (key === undefined) continue;
    const modified = /<LastModified>([^<]*)<\/LastModified>/.exec(contents!)?.[1];
    objects.push({ key: xmlText(key), lastModified: modified ? Date.parse(modified) || 0 : 0 });
  }
  return { objects, truncated: /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml) };
}
