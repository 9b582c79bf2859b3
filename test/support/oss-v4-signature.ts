/**
 * The server side of OSS's V4 request signature, for the protocol-level OSS fake: it recomputes what a request
 * was signed with and says why it does not match, as OSS does.
 *
 * Follows "Include a V4 signature in the Authorization header (recommended)",
 * https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4 :
 *   Authorization: OSS4-HMAC-SHA256 Credential=<AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request,
 *                  [AdditionalHeaders=<h1;h2>,]Signature=<64 hex>
 *   CanonicalRequest = VERB \n /<bucket>/<object> (URI-encoded, '/' kept) \n sorted query (a key without a value
 *                      stands alone) \n content-type, content-md5, x-oss-* and the additional headers as
 *                      `name:value\n` \n additional header names \n x-oss-content-sha256
 *   StringToSign     = OSS4-HMAC-SHA256 \n x-oss-date \n <yyyymmdd>/<region>/oss/aliyun_v4_request \n hex(sha256(CanonicalRequest))
 *   SigningKey       = HMAC chain of "aliyun_v4" + secret over the date, the region, "oss", "aliyun_v4_request"
 * and a request more than 15 minutes away from the server's clock is refused (RequestTimeTooSkewed).
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SCHEME =
  /^OSS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/oss\/aliyun_v4_request,\s?(?:AdditionalHeaders=([a-z0-9;-]+),\s?)?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

const strict = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export interface SignatureCheck {
  /** OSS's error code when the request is refused. */
  code?: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed';
  reason?: string;
  accessKeyId?: string;
}

/** The query as signed: keys and values decoded then strictly re-encoded, sorted; an empty value is key-only. */
function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const key = decodeURIComponent((at < 0 ? pair : pair.slice(0, at)).replace(/\+/g, ' '));
      const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
      return [strict(key), value === '' ? undefined : strict(value)] as const;
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => (value === undefined ? key : `${key}=${value}`))
    .join('&');
}

/** Parses `yyyymmddTHHMMSSZ`. */
const parseDate = (text: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
};

export function checkOssV4Signature(
  req: IncomingMessage,
  target: { bucket: string; objectName: string; rawQuery: string },
  expected: { region: string; secrets: Record<string, string>; now?: number },
): SignatureCheck {
  const m = SCHEME.exec(String(req.headers.authorization ?? ''));
  if (!m) return { code: 'AccessDenied', reason: 'only OSS4-HMAC-SHA256 (V4) signatures are accepted' };
  const [, accessKeyId, day, region, additional, signature] = m as unknown as string[];
  const secret = expected.secrets[accessKeyId!];
  if (!secret) return { code: 'InvalidAccessKeyId', reason: `unknown access key ${accessKeyId}` };
  if (region !== expected.region) {
    return { code: 'SignatureDoesNotMatch', reason: `scope region ${region} is not ${expected.region}` };
  }
  const date = String(req.headers['x-oss-date'] ?? '');
  const at = parseDate(date);
  if (at === undefined || date.slice(0, 8) !== day) {
    return { code: 'AccessDenied', reason: 'x-oss-date is missing or does not match the credential scope' };
  }
  if (Math.abs((expected.now ?? Date.now()) - at) > MAX_SKEW_MS) {
    return { code: 'RequestTimeTooSkewed', reason: 'more than 15 minutes from the server time' };
  }
  const payload = req.headers['x-oss-content-sha256'];
  if (typeof payload !== 'string') return { code: 'AccessDenied', reason: 'x-oss-content-sha256 is missing' };

  const extra = additional ? additional.split(';') : [];
  const names = new Set(extra);
  for (const name of Object.keys(req.headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) names.add(name);
  }
  const headers = [...names]
    .sort()
    .map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`)
    .join('');
  const uri = strict(`/${target.bucket}/${target.objectName}`).replace(/%2F/g, '/');
  const canonical = [
    req.method,
    uri,
    canonicalQuery(target.rawQuery),
    headers,
    extra.join(';'),
    payload,
  ].join('\n');
  const scope = `${day}/${region}/oss/aliyun_v4_request`;
  const toSign = ['OSS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  const key = hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, day!), region!), 'oss'), 'aliyun_v4_request');
  if (hmac(key, toSign).toString('hex') !== signature) {
    return { code: 'SignatureDoesNotMatch', reason: 'the request signature does not match', accessKeyId };
  }
  return { accessKeyId };
}
