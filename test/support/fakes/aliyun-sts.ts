/**
 * A protocol-level fake of Alibaba Cloud STS (2015-04-01) on 127.0.0.1, for tests that drive the real
 * `@alicloud/sts20150401` client.
 *
 * It speaks the wire format the SDK really uses: AssumeRole as a POST with its parameters in the query string,
 * signed with ACS3-HMAC-SHA256 (V3), temporary credentials in `x-acs-accesskey-id` / `x-acs-security-token`;
 * AssumeRoleWithOIDC as an unsigned RPC POST carrying `OIDCToken`. The signature is really verified against the
 * registered keys, so a call signed with the wrong secret or token is refused as STS would refuse it, and every
 * call is recorded for the test to inspect. Success and error bodies follow the documented JSON shapes.
 */

import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../loopback-server';

export interface AliyunStsCall {
  action: string;
  version: string;
  /** The decoded query parameters (Policy, RoleArn, RoleSessionName, DurationSeconds, OIDCToken...). */
  params: Record<string, string>;
  headers: Record<string, string>;
  /** The AK the request was signed with, when it was signed. */
  accessKeyId?: string;
  securityToken?: string;
}

export interface IssuedByFake {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** What the next calls answer instead of success, in order. */
export type AliyunFailure = 'denied' | 'throttled' | 'internal' | 'garbage' | 'incomplete' | 'html';

export interface FakeAliyunSts {
  /** `http://127.0.0.1:<port>`: pass as the issuer's `stsEndpoint`. */
  url: string;
  calls: AliyunStsCall[];
  /** The credentials minted by the last accepted call, whether the answer delivered them whole or not. */
  lastIssued: IssuedByFake | undefined;
  failNext(...failures: AliyunFailure[]): void;
  close(): Promise<void>;
}

export interface FakeAliyunStsOptions {
  /** Signing keys STS knows: AK id → secret and, for temporary keys, the token that must come with it. */
  keys: Record<string, { secret: string; securityToken?: string }>;
  /** The OIDC tokens AssumeRoleWithOIDC accepts; read on every call, so a test can rotate them. */
  oidcTokens?: string[];
  /**
   * Told about every credential set delivered whole, with the session policy it was issued with: how a test
   * hands the credentials to a storage fake, which then enforces that policy as OSS would.
   */
  onIssue?: (issued: IssuedByFake, policy: string | undefined) => void;
}

const VERSION = '2015-04-01';

/** The SDK's percent-encoding of canonical query values (openapi-core `encode`). */
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export async function startFakeAliyunSts(options: FakeAliyunStsOptions): Promise<FakeAliyunSts> {
  const calls: AliyunStsCall[] = [];
  const failures: AliyunFailure[] = [];
  const nonces = new Set<string>();
  const state: { lastIssued: IssuedByFake | undefined } = { lastIssued: undefined };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { RequestId: requestId(), HostId: 'sts.aliyuncs.com', Code: code, Message: message });

  /** Recomputes the V3 signature exactly as the service does; returns the signing AK or an error code. */
  const verifyV3 = (req: IncomingMessage, url: URL, body: Buffer): { ak: string } | { code: string } => {
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
    if (!match) return { code: 'IncompleteSignature' };
    const [, ak, signedHeaders, signature] = match as unknown as [string, string, string, string];
    const key = options.keys[ak];
    if (!key) return { code: 'InvalidAccessKeyId.NotFound' };
    if (key.securityToken !== undefined && req.headers['x-acs-security-token'] !== key.securityToken) {
      return { code: 'InvalidSecurityToken.Mismatch' };
    }
    const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
    if (!nonce || nonces.has(nonce)) return { code: 'SignatureNonceUsed' };
    nonces.add(nonce);
    const payloadHash = String(req.headers['x-acs-content-sha256'] ?? '');
    if (payloadHash !== sha256(body)) return { code: 'SignatureDoesNotMatch' };
    const query = [...url.searchParams.keys()]
      .sort()
      .map((k) => `${k}=${encode(url.searchParams.get(k) ?? '')}`)
      .join('&');
    const names = signedHeaders.split(';');
    const headers = names.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
    const canonical = [req.method, url.pathname, query, headers, signedHeaders, payloadHash].join('\n');
    const expected = createHmac('sha256', key.secret)
      .update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`)
      .digest('hex');
    return expected === signature ? { ak } : { code: 'SignatureDoesNotMatch' };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sts.local');
    const params = Object.fromEntries(url.searchParams);
    const action = String(req.headers['x-acs-action'] ?? params.Action ?? '');
    const version = String(req.headers['x-acs-version'] ?? params.Version ?? '');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const call: AliyunStsCall = { action, version, params, headers };
    calls.push(call);

    if (req.method !== 'POST' || url.pathname !== '/')
      return error(res, 404, 'InvalidAction.NotFound', 'bad path');
    if (version !== VERSION)
      return error(res, 400, 'InvalidVersion', `Specified version ${version} is not valid.`);
    if (action === 'AssumeRole') {
      const verdict = verifyV3(req, url, body);
      if ('code' in verdict) return error(res, 400, verdict.code, 'The request signature does not conform.');
      call.accessKeyId = verdict.ak;
      call.securityToken = req.headers['x-acs-security-token'] as string | undefined;
    } else if (action === 'AssumeRoleWithOIDC') {
      if (!params.OIDCProviderArn)
        return error(res, 400, 'MissingOIDCProviderArn', 'OIDCProviderArn is mandatory.');
      if (!options.oidcTokens?.includes(params.OIDCToken ?? '')) {
        return error(res, 400, 'AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is invalid.');
      }
    } else {
      return error(res, 400, 'InvalidAction.NotFound', `Specified api is not found: ${action}`);
    }

    const duration = Number(params.DurationSeconds ?? 3600);
    if (!/^[A-Za-z0-9.@_-]{2,64}$/.test(params.RoleSessionName ?? '')) {
      return error(
        res,
        400,
        'InvalidParameter.RoleSessionName',
        'The parameter RoleSessionName is wrongly formed.',
      );
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 3600) {
      return error(res, 400, 'InvalidParameter.DurationSeconds', 'The DurationSeconds is out of range.');
    }
    if (!params.RoleArn?.startsWith('acs:ram::')) {
      return error(res, 400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.');
    }
    if (params.Policy !== undefined) {
      try {
        if (params.Policy.length > 2048) throw new Error('too long');
        JSON.parse(params.Policy);
      } catch {
        return error(
          res,
          400,
          'InvalidParameter.PolicyGrammar',
          'The parameter Policy has not passed grammar check.',
        );
      }
    }

    const issued: IssuedByFake = {
      accessKeyId: `STS.NU${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64')}`,
    };
    const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const credentials = { ...credentialsBody(issued), Expiration: expiration };
    state.lastIssued = issued;
    switch (failures.shift()) {
      case 'denied':
        return error(
          res,
          403,
          'NoPermission',
          'You are not authorized to do this action. You should be authorized by RAM.',
        );
      case 'throttled':
        res.setHeader('x-acs-retry-after', '3000');
        return error(res, 400, 'Throttling.User', 'Request was denied due to user flow control.');
      case 'internal':
        return error(
          res,
          500,
          'InternalError',
          'The request processing has failed due to some unknown error.',
        );
      case 'garbage':
        // A truncated answer that still contains the issued secret: nothing of it may reach an error message.
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ RequestId: requestId(), Credentials: credentials }).slice(0, -7));
      case 'incomplete': {
        const { SecurityToken: _dropped, ...partial } = credentials;
        return json(res, 200, { RequestId: requestId(), Credentials: partial });
      }
      case 'html':
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end(`<html><body>Bad gateway ${issued.accessKeySecret}</body></html>`);
      default:
        options.onIssue?.(issued, params.Policy);
        return json(res, 200, {
          RequestId: requestId(),
          AssumedRoleUser: {
            Arn: `${params.RoleArn.replace(':role/', ':assumed-role/')}/${params.RoleSessionName}`,
            AssumedRoleId: `3046657854${randomBytes(4).toString('hex')}:${params.RoleSessionName}`,
          },
          Credentials: credentials,
        });
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

const requestId = (): string => randomBytes(16).toString('hex').toUpperCase();

const credentialsBody = (issued: IssuedByFake) => ({
  AccessKeyId: issued.accessKeyId,
  AccessKeySecret: issued.accessKeySecret,
  SecurityToken: issued.securityToken,
});
