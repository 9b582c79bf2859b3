/**
 * A protocol-level fake of AWS STS (2011-06-15, awsQuery protocol) on 127.0.0.1, for tests that drive the real
 * `@aws-sdk/client-sts`.
 *
 * It accepts what the SDK really sends, a form-encoded POST `Action=AssumeRole&Version=2011-06-15&...` signed
 * with Signature V4, and verifies that signature against the registered keys (and the session token of temporary
 * keys), so a wrongly signed call is refused as STS would refuse it. Answers are the documented XML documents:
 * `AssumeRoleResponse` on success, `ErrorResponse` otherwise, with an `x-amzn-RequestId` header.
 */

import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../loopback-server';

export interface AwsStsCall {
  action: string;
  version: string;
  /** The decoded form parameters (RoleArn, RoleSessionName, DurationSeconds, Policy...). */
  params: Record<string, string>;
  headers: Record<string, string>;
  /** The AK the request was signed with, once its signature checked out. */
  accessKeyId?: string;
  region?: string;
}

export interface IssuedByAwsFake {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** What the next calls answer instead of success, in order. */
export type AwsFailure = 'denied' | 'throttled' | 'internal' | 'garbage' | 'incomplete' | 'html';

export interface FakeAwsSts {
  /** `http://127.0.0.1:<port>`: pass as the issuer's `stsEndpoint`. */
  url: string;
  calls: AwsStsCall[];
  /** The credentials minted by the last accepted call, whether the answer delivered them whole or not. */
  lastIssued: IssuedByAwsFake | undefined;
  failNext(...failures: AwsFailure[]): void;
  close(): Promise<void>;
}

export interface FakeAwsStsOptions {
  /** Signing keys STS knows: AK id → secret and, for temporary keys, the session token that must come with it. */
  keys: Record<string, { secret: string; sessionToken?: string }>;
  /**
   * Told about every credential set delivered whole, with the session policy it was issued with: how a test
   * hands the credentials to a storage fake, which then enforces that policy as S3 would.
   */
  onIssue?: (issued: IssuedByAwsFake, policy: string | undefined) => void;
}

const VERSION = '2011-06-15';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export async function startFakeAwsSts(options: FakeAwsStsOptions): Promise<FakeAwsSts> {
  const calls: AwsStsCall[] = [];
  const failures: AwsFailure[] = [];
  const state: { lastIssued: IssuedByAwsFake | undefined } = { lastIssued: undefined };

  const xml = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-RequestId': randomUUID() });
    res.end(body);
  };
  const error = (res: ServerResponse, status: number, code: string, message: string, type = 'Sender') =>
    xml(
      res,
      status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
        `<Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );

  /** Signature V4 as the service checks it; returns the signing AK and region, or an error code. */
  const verifySigV4 = (
    req: IncomingMessage,
    body: Buffer,
  ): { ak: string; region: string } | { code: string; status: number } => {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? '',
      );
    if (!match) return { code: 'IncompleteSignature', status: 400 };
    const [, ak, date, region, signedHeaders, signature] = match as unknown as string[] as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const key = options.keys[ak];
    if (!key) return { code: 'InvalidClientTokenId', status: 403 };
    if (key.sessionToken !== undefined && req.headers['x-amz-security-token'] !== key.sessionToken) {
      return { code: 'InvalidClientTokenId', status: 403 };
    }
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const payloadHash = sha256(body);
    if (!amzDate.startsWith(date) || (req.headers['x-amz-content-sha256'] ?? payloadHash) !== payloadHash) {
      return { code: 'SignatureDoesNotMatch', status: 403 };
    }
    const headers = signedHeaders
      .split(';')
      .map(
        (h) =>
          `${h}:${String(req.headers[h] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join('');
    const canonical = [req.method, '/', '', headers, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/sts/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secret}`, date), region), 'sts'), 'aws4_request');
    return hmac(signingKey, toSign).toString('hex') === signature
      ? { ak, region }
      : { code: 'SignatureDoesNotMatch', status: 403 };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const call: AwsStsCall = { action: params.Action ?? '', version: params.Version ?? '', params, headers };
    calls.push(call);

    const verdict = verifySigV4(req, body);
    if ('code' in verdict)
      return error(res, verdict.status, verdict.code, 'The request signature is not valid.');
    call.accessKeyId = verdict.ak;
    call.region = verdict.region;
    if (call.version !== VERSION)
      return error(res, 400, 'InvalidAction', `Version ${call.version} is not valid.`);
    if (call.action !== 'AssumeRole')
      return error(res, 400, 'InvalidAction', `Could not find operation ${call.action}`);
    const duration = Number(params.DurationSeconds ?? 3600);
    if (!/^[\w+=,.@-]{2,64}$/.test(params.RoleSessionName ?? '')) {
      return error(res, 400, 'ValidationError', 'Value at roleSessionName failed to satisfy constraint');
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      return error(res, 400, 'ValidationError', 'Value at durationSeconds failed to satisfy constraint');
    }
    if (params.Policy !== undefined) {
      try {
        if (params.Policy.length > 2048) throw new Error('too long');
        JSON.parse(params.Policy);
      } catch {
        return error(res, 400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
      }
    }

    const issued: IssuedByAwsFake = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(64).toString('base64')}`,
    };
    state.lastIssued = issued;
    const expiration = new Date(Date.now() + duration * 1000).toISOString();
    const credentials = (withToken: boolean) =>
      '<Credentials>' +
      (withToken ? `<SessionToken>${issued.sessionToken}</SessionToken>` : '') +
      `<SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>` +
      `<Expiration>${expiration}</Expiration><AccessKeyId>${issued.accessKeyId}</AccessKeyId></Credentials>`;
    const success = (withToken: boolean) =>
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><AssumedRoleUser>` +
      `<Arn>${params.RoleArn?.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${params.RoleSessionName}</Arn>` +
      `<AssumedRoleId>AROA3XFRBF535PLBIFPI4:${params.RoleSessionName}</AssumedRoleId></AssumedRoleUser>` +
      `${credentials(withToken)}<PackedPolicySize>8</PackedPolicySize></AssumeRoleResult>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    switch (failures.shift()) {
      case 'denied':
        return error(
          res,
          403,
          'AccessDenied',
          `User: ${params.RoleArn} is not authorized to perform: sts:AssumeRole`,
        );
      case 'throttled':
        return error(res, 400, 'Throttling', 'Rate exceeded');
      case 'internal':
        return error(res, 500, 'InternalFailure', 'The request processing has failed.', 'Receiver');
      case 'garbage':
        // A truncated answer that still contains the issued secret: nothing of it may reach an error message.
        return xml(res, 200, success(true).replace(/<\/SecretAccessKey>[\s\S]*$/, ''));
      case 'incomplete':
        return xml(res, 200, success(false));
      case 'html':
        // A proxy's error page in place of STS's answer, echoing what it cut off.
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end(`<html><body>Bad gateway ${issued.secretAccessKey}</body></html>`);
      default:
        options.onIssue?.(issued, params.Policy);
        return xml(res, 200, success(true));
    }
  };

  const server = await listenOnLoopback(handle);
  return {
    url: server.url,
    calls,
    get lastIssued() {
      return state.lastIssued;
    },
    failNext: (...next) => failures.push(...next),
    close: () => server.close(),
  };
}
