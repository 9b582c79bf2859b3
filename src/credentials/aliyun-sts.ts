/**
 * Alibaba Cloud STS issuer: AssumeRole (or AssumeRoleWithOIDC) with the worker's OSS session policy.
 *
 * Uses `@alicloud/sts20150401` because it signs with temporary credentials (AK + SecurityToken), which is what FC
 * gives a function; ali-oss's STS helper never sends a token. Where an OIDC token file is
 * configured (ACK/SAE with RRSA), it calls AssumeRoleWithOIDC instead and reads the file on every call, because
 * the platform rotates it. Node-only: imported by the Alibaba entries, never by the web-standard core.
 *
 * @example
 * const issuer = new AliyunStsIssuer({ roleArn, bucket: 'agents-data', region: 'cn-hangzhou',
 *   ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com', credentials: { accessKeyId, accessKeySecret, securityToken } });
 * const creds = await issuer.issue({ workerName: 'alice', uid, durationSeconds: 3600 });
 *
 * @module
 */

import { readFile } from 'node:fs/promises';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import StsModule, { AssumeRoleRequest, AssumeRoleWithOIDCRequest } from '@alicloud/sts20150401';
import { BackendError, BackendUnavailableError, ConfigError, OrchestratorError } from '../errors';
import {
  aliyunSessionPolicy,
  assertBucketName,
  normalizeDataRoot,
  serializePolicy,
  workerPrefixes,
} from './policy';
import {
  assertDurationSeconds,
  type CredentialIssuer,
  type IssuedCredentials,
  type IssueRequest,
  type IssuerHealth,
  normalizeExpiration,
  type SigningCredentials,
  type SigningCredentialsSource,
} from './port';
import { sessionNameFor } from './session-name';

export interface AliyunStsIssuerOptions {
  /** `acs:ram::<account>:role/<name>`: the role workers' credentials are cut from. */
  roleArn: string;
  bucket: string;
  /** Handed to the worker as `oss_endpoint`, e.g. `https://oss-cn-hangzhou.aliyuncs.com`. */
  ossEndpoint: string;
  /** e.g. `cn-hangzhou`; picks the default STS endpoint and is reported to the worker. */
  region?: string;
  /** Optional prefix in front of `agents/` and `shared/`. */
  dataRoot?: string;
  /** Host or URL. Default `sts.<region>.aliyuncs.com`, or `sts.aliyuncs.com` without a region. */
  stsEndpoint?: string;
  /** What AssumeRole is signed with; required unless the OIDC pair is set. */
  credentials?: SigningCredentialsSource;
  /** With `oidcTokenFile`: use AssumeRoleWithOIDC (RRSA). */
  oidcProviderArn?: string;
  oidcTokenFile?: string;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

// The package is CJS with `exports.default`: in native ESM the default import is the exports object, with a
// bundler it is the class itself (the SDK is compiled CommonJS with a `default` export).
const StsClient = ((StsModule as unknown as { default?: typeof StsModule }).default ??
  StsModule) as typeof StsModule;
type StsClientInstance = InstanceType<typeof StsClient>;

export class AliyunStsIssuer implements CredentialIssuer {
  readonly provider = 'aliyun' as const;
  private readonly root: string;
  private readonly endpoint: { host: string; protocol: string };
  private readonly oidc: { providerArn: string; tokenFile: string } | undefined;

  constructor(private readonly options: AliyunStsIssuerOptions) {
    if (!options.roleArn?.startsWith('acs:ram::')) {
      throw new ConfigError('aliyun STS: roleArn is required (acs:ram::<account>:role/<name>)');
    }
    assertBucketName(options.bucket, 'aliyun STS: bucket');
    if (!options.ossEndpoint) throw new ConfigError('aliyun STS: ossEndpoint is required');
    this.root = normalizeDataRoot(options.dataRoot, 'aliyun STS: dataRoot');
    // Fails at start, not on the first worker, when bucket + root cannot fit the 2048-character limit.
    serializePolicy(aliyunSessionPolicy({ bucket: options.bucket, root: this.root, name: 'a'.repeat(63) }));
    this.endpoint = parseEndpoint(
      options.stsEndpoint ?? (options.region ? `sts.${options.region}.aliyuncs.com` : 'sts.aliyuncs.com'),
    );
    if (Boolean(options.oidcProviderArn) !== Boolean(options.oidcTokenFile)) {
      throw new ConfigError('aliyun STS: oidcProviderArn and oidcTokenFile must be set together');
    }
    if (options.oidcProviderArn && options.oidcTokenFile) {
      this.oidc = { providerArn: options.oidcProviderArn, tokenFile: options.oidcTokenFile };
    } else if (!options.credentials) {
      throw new ConfigError('aliyun STS: credentials (or oidcProviderArn + oidcTokenFile) are required');
    }
  }

  async issue(req: IssueRequest): Promise<IssuedCredentials> {
    const name = req.workerName;
    // Validation first: a bad name or duration never reaches the network.
    const prefixes = workerPrefixes({ root: this.root, name });
    const roleSessionName = sessionNameFor(name, req.uid);
    assertDurationSeconds(req.durationSeconds);
    const policy = serializePolicy(
      aliyunSessionPolicy({ bucket: this.options.bucket, root: this.root, name }),
    );
    const common = {
      roleArn: this.options.roleArn,
      roleSessionName,
      durationSeconds: req.durationSeconds,
      policy,
    };

    const action = this.oidc ? 'AssumeRoleWithOIDC' : 'AssumeRole';
    let body: unknown;
    try {
      if (this.oidc) {
        const token = await this.readOidcToken();
        const request = new AssumeRoleWithOIDCRequest({
          ...common,
          OIDCProviderArn: this.oidc.providerArn,
          OIDCToken: token,
        });
        body = (await this.client().assumeRoleWithOIDC(request)).body;
      } else {
        const client = this.client(await this.signingCredentials());
        body = (await client.assumeRole(new AssumeRoleRequest(common))).body;
      }
    } catch (error) {
      if (error instanceof OrchestratorError) throw error;
      throw toDomainError(action, error);
    }
    const credentials = (body as { credentials?: Record<string, unknown> } | undefined)?.credentials;
    const expiration = normalizeExpiration(credentials?.expiration);
    const { accessKeyId, accessKeySecret, securityToken } = credentials ?? {};
    if (!isText(accessKeyId) || !isText(accessKeySecret) || !isText(securityToken) || !expiration) {
      throw new BackendError(`aliyun STS ${action} returned a malformed response (no complete Credentials)`);
    }
    return {
      provider: 'aliyun',
      accessKeyId,
      accessKeySecret,
      securityToken,
      expiration,
      endpoint: this.options.ossEndpoint,
      bucket: this.options.bucket,
      prefixes,
      ...(this.options.region ? { region: this.options.region } : {}),
    };
  }

  async health(): Promise<IssuerHealth> {
    const via = `${this.oidc ? 'AssumeRoleWithOIDC' : 'AssumeRole'} via ${this.endpoint.host}`;
    try {
      if (this.oidc) await this.readOidcToken();
      else await this.signingCredentials();
      return { ok: true, message: `aliyun STS ${via}, bucket ${this.options.bucket}` };
    } catch (error) {
      const reason = error instanceof OrchestratorError ? error.message : 'signing credentials unavailable';
      return { ok: false, message: `aliyun STS ${via}: ${reason}` };
    }
  }

  private client(signing?: SigningCredentials): StsClientInstance {
    return new StsClient(
      new $OpenApiUtil.Config({
        ...signing,
        endpoint: this.endpoint.host,
        protocol: this.endpoint.protocol,
        connectTimeout: this.options.connectTimeoutMs ?? 5_000,
        readTimeout: this.options.readTimeoutMs ?? 10_000,
      }),
    );
  }

  private async signingCredentials(): Promise<SigningCredentials> {
    const source = this.options.credentials;
    const resolved = await (typeof source === 'function' ? source() : Promise.resolve(source)).catch(() => {
      throw new BackendUnavailableError('aliyun STS: the signing credentials could not be obtained');
    });
    if (!resolved?.accessKeyId || !resolved.accessKeySecret) {
      throw new ConfigError('aliyun STS: credentials need an accessKeyId and an accessKeySecret');
    }
    return resolved;
  }

  private async readOidcToken(): Promise<string> {
    const token = await readFile(this.oidc!.tokenFile, 'utf8').catch(() => '');
    if (token.trim() === '')
      throw new ConfigError('aliyun STS: oidcTokenFile is missing, unreadable or empty');
    return token.trim();
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** `sts.cn-hangzhou.aliyuncs.com` (HTTPS) or a URL such as `http://127.0.0.1:9000` (tests, proxies). */
const parseEndpoint = (value: string): { host: string; protocol: string } => {
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search) {
      return { host: url.host, protocol: url.protocol.slice(0, -1) };
    }
  } catch {
    // reported below
  }
  throw new ConfigError('aliyun STS: stsEndpoint must be a host name or an http(s) URL without a path');
};

/** Only a code-shaped value is quoted back: vendor text could carry anything. */
const safeCode = (value: unknown): string =>
  typeof value === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : 'unknown';

/**
 * openapi-core errors carry `code`/`statusCode` (ClientError, ServerError, ThrottlingError); network failures are
 * Node errors with an errno `code` or a `*Timeout*` name. Neither their message nor the error itself is kept as
 * the cause: a parse error quotes the response body, and a network error quotes the request URL, which for
 * AssumeRoleWithOIDC carries the OIDC token in its query string.
 */
const toDomainError = (action: string, error: unknown): OrchestratorError => {
  const e = (error ?? {}) as { code?: unknown; statusCode?: unknown; requestId?: unknown; name?: unknown };
  const code = safeCode(e.code);
  const requestId = safeCode(e.requestId);
  if (typeof e.statusCode === 'number') {
    const what = `aliyun STS ${action} failed: ${code} (HTTP ${e.statusCode}, request id ${requestId})`;
    if (code.includes('Throttling')) {
      const retryAfterMs = (error as { retryAfter?: unknown }).retryAfter;
      const retryAfterSeconds =
        typeof retryAfterMs === 'number' && retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : undefined;
      return new BackendUnavailableError(what, retryAfterSeconds ? { retryAfterSeconds } : {});
    }
    if (e.statusCode >= 500) return new BackendUnavailableError(what);
    return new BackendError(what);
  }
  if (/^E[A-Z]+$/.test(code) || (typeof e.name === 'string' && e.name.includes('Timeout'))) {
    return new BackendUnavailableError(
      `aliyun STS ${action} failed: endpoint unreachable (${code === 'unknown' ? safeCode(e.name) : code})`,
    );
  }
  return new BackendError(`aliyun STS ${action} returned a malformed response`);
};
