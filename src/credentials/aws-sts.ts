/**
 * AWS STS issuer: AssumeRole with the worker's S3 session policy.
 *
 * The session policy narrows the role to `<root>agents/<name>/` and `<root>shared/` (see `./policy`). Signing
 * credentials default to the SDK's provider chain, which on Lambda is the function's own role.
 *
 * @example
 * const issuer = new AwsStsIssuer({ roleArn: 'arn:aws:iam::123456789012:role/agent-data', bucket: 'agents-data',
 *   region: 'eu-west-1' });
 * const creds = await issuer.issue({ workerName: 'alice', uid, durationSeconds: 3600 });
 *
 * @module
 */

import { AssumeRoleCommand, type AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { BackendError, BackendUnavailableError, ConfigError, OrchestratorError } from '../errors';
import {
  assertBucketName,
  awsSessionPolicy,
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

export interface AwsStsIssuerOptions {
  /** `arn:aws:iam::<account>:role/<name>`: the role workers' credentials are cut from. */
  roleArn: string;
  bucket: string;
  region: string;
  /** Optional prefix in front of `agents/` and `shared/`. */
  dataRoot?: string;
  /** Handed to the worker; default `https://s3.<region>.amazonaws.com` (`.com.cn` in China). */
  s3Endpoint?: string;
  /** Override of the regional STS endpoint (VPC endpoints, tests). */
  stsEndpoint?: string;
  /** What AssumeRole is signed with; default: the SDK's provider chain (the Lambda role). */
  credentials?: SigningCredentialsSource;
  /** The SDK retries throttling and 5xx itself; default 3 attempts. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
}

/** Error names the SDK reports for rate limiting; all mean "try again later", never "refused". */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
]);

export class AwsStsIssuer implements CredentialIssuer {
  readonly provider = 'aws' as const;
  private readonly root: string;
  private readonly partition: string;
  private readonly s3Endpoint: string;
  private readonly client: STSClient;

  constructor(private readonly options: AwsStsIssuerOptions) {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(options.roleArn ?? '')) {
      throw new ConfigError('aws STS: roleArn is required (arn:aws:iam::<account>:role/<name>)');
    }
    assertBucketName(options.bucket, 'aws STS: bucket');
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options.region ?? '')) {
      throw new ConfigError('aws STS: region is required (e.g. eu-west-1)');
    }
    this.root = normalizeDataRoot(options.dataRoot, 'aws STS: dataRoot');
    this.partition = options.region.startsWith('cn-')
      ? 'aws-cn'
      : options.region.startsWith('us-gov-')
        ? 'aws-us-gov'
        : 'aws';
    // Fails at start, not on the first worker, when bucket + root cannot fit the 2048-character limit.
    serializePolicy(awsSessionPolicy({ bucket: options.bucket, root: this.root, name: 'a'.repeat(63) }));
    const suffix = this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.s3Endpoint = options.s3Endpoint ?? `https://s3.${options.region}.${suffix}`;
    const source = options.credentials;
    this.client = new STSClient({
      region: options.region,
      ...(options.stsEndpoint ? { endpoint: options.stsEndpoint } : {}),
      ...(source ? { credentials: () => resolveSigning(source) } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      // throwOnRequestTimeout: without it the SDK only logs a warning and keeps waiting (up to its 300 s socket idle).
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        connectionTimeout: 5_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  async issue(req: IssueRequest): Promise<IssuedCredentials> {
    const name = req.workerName;
    // Validation first: a bad name or duration never reaches the network.
    const prefixes = workerPrefixes({ root: this.root, name });
    const sessionName = sessionNameFor(name, req.uid);
    assertDurationSeconds(req.durationSeconds);
    const scope = { bucket: this.options.bucket, root: this.root, name };
    const policy = serializePolicy(awsSessionPolicy(scope, this.partition));

    let answer: AssumeRoleCommandOutput;
    try {
      answer = await this.client.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: req.durationSeconds,
          Policy: policy,
        }),
      );
    } catch (error) {
      throw toDomainError(error);
    }
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = answer.Credentials ?? {};
    const expiration = normalizeExpiration(Expiration);
    if (!isText(AccessKeyId) || !isText(SecretAccessKey) || !isText(SessionToken) || !expiration) {
      throw new BackendError('aws STS AssumeRole returned a malformed response (no complete Credentials)');
    }
    return {
      provider: 'aws',
      accessKeyId: AccessKeyId,
      accessKeySecret: SecretAccessKey,
      securityToken: SessionToken,
      expiration,
      endpoint: this.s3Endpoint,
      bucket: this.options.bucket,
      prefixes,
      region: this.options.region,
    };
  }

  async health(): Promise<IssuerHealth> {
    const what = `aws STS AssumeRole in ${this.options.region}, bucket ${this.options.bucket}`;
    try {
      // Resolves (and caches) the signing credentials locally; no STS call, STS is rate limited.
      await this.client.config.credentials();
      return { ok: true, message: what };
    } catch (error) {
      const reason = error instanceof OrchestratorError ? error.message : 'no signing credentials found';
      return { ok: false, message: `${what}: ${reason}` };
    }
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

const resolveSigning = async (source: SigningCredentialsSource) => {
  const resolved: SigningCredentials | undefined = await (typeof source === 'function'
    ? source()
    : Promise.resolve(source)
  ).catch(() => {
    throw new BackendUnavailableError('aws STS: the signing credentials could not be obtained');
  });
  if (!resolved?.accessKeyId || !resolved.accessKeySecret) {
    throw new ConfigError('aws STS: credentials need an accessKeyId and an accessKeySecret');
  }
  return {
    accessKeyId: resolved.accessKeyId,
    secretAccessKey: resolved.accessKeySecret,
    ...(resolved.securityToken ? { sessionToken: resolved.securityToken } : {}),
  };
};

/** Only a code-shaped value is quoted back: vendor text could carry anything. */
const safeCode = (value: unknown): string =>
  typeof value === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : 'unknown';

/**
 * SDK service errors carry `$fault` and `$metadata`; network failures are Node errors with an errno `code`.
 * The SDK error is not kept as the cause: a deserialization error holds the raw response (`$response`), which
 * for a half-readable success would hold the issued secret.
 */
const toDomainError = (error: unknown): OrchestratorError => {
  if (error instanceof OrchestratorError) return error;
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const name = safeCode(e.name);
  const status = e.$metadata?.httpStatusCode;
  if (name === 'CredentialsProviderError') {
    return new ConfigError('aws STS: no signing credentials (set credentials or give the function a role)');
  }
  if (e.$fault === 'client' || e.$fault === 'server') {
    const what = `aws STS AssumeRole failed: ${name} (HTTP ${status ?? '?'}, request id ${safeCode(e.$metadata?.requestId)})`;
    if (THROTTLING.has(name) || status === 429 || e.$fault === 'server')
      return new BackendUnavailableError(what);
    return new BackendError(what);
  }
  const code = safeCode(e.code);
  if (/^E[A-Z]+$/.test(code) || name === 'TimeoutError') {
    return new BackendUnavailableError(
      `aws STS AssumeRole failed: endpoint unreachable (${code === 'unknown' ? name : code})`,
    );
  }
  return new BackendError('aws STS AssumeRole returned a malformed response');
};
