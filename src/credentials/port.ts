/**
 * The credential-issuer port: what `POST /credentials/sts` asks of Alibaba STS or AWS STS.
 *
 * Contract every adapter honours (proved by `test/credentials/*.test.ts` against protocol-level fakes):
 * - The worker name is validated as a DNS label before any policy is built or any call is made
 *   (`ValidationError`, field `name`).
 * - The issued credentials are scoped by a session policy to exactly `<root>agents/<name>/` and `<root>shared/`
 *   (see `./policy`); the role's own permissions still apply on top (a session policy only narrows).
 * - Failures are `BackendUnavailableError` (throttled or unreachable: retry later, 503 + Retry-After),
 *   `BackendError` (refused, malformed answer: 502) or `ConfigError` (a setting that cannot work, naming it).
 *   No message ever contains a signing secret, an issued secret or a token.
 *
 * The types here are plain data (no SDK type leaks through the port), plus the two checks both adapters share:
 * the duration range and the expiration format.
 *
 * @module
 */

import { ValidationError } from '../errors';

export type CredentialProvider = 'aliyun' | 'aws';

export interface IssueRequest {
  /** The calling worker's name (a DNS label; re-validated by the adapter). */
  workerName: string;
  /** The worker's current incarnation; part of the STS session name so audit logs tell incarnations apart. */
  uid: string;
  /** Already clamped by the caller (min(configured, 3600, expires_at − now)); STS refuses < 900. */
  durationSeconds: number;
}

export interface IssuedCredentials {
  provider: CredentialProvider;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO-8601 UTC with second precision, e.g. `2026-08-01T12:00:00Z`. */
  expiration: string;
  /** The object-storage endpoint the worker should use with these credentials. */
  endpoint: string;
  bucket: string;
  /** The key prefixes the credentials reach: `<root>agents/<name>/` and `<root>shared/`. */
  prefixes: string[];
  region?: string;
}

/** Long-term or temporary credentials the issuer signs its STS call with (e.g. what FC hands a function). */
export interface SigningCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Static credentials, or a function returning the current ones: FC and Lambda rotate a function's temporary
 * credentials, so an entry can pass a getter that reads the latest invocation context.
 */
export type SigningCredentialsSource = SigningCredentials | (() => Promise<SigningCredentials>);

export interface IssuerHealth {
  ok: boolean;
  message: string;
}

export interface CredentialIssuer {
  readonly provider: CredentialProvider;
  issue(req: IssueRequest): Promise<IssuedCredentials>;
  /** A local check of the configuration (no STS call: STS is rate limited per account). Never shows secrets. */
  health(): Promise<IssuerHealth>;
}

/**
 * `2026-08-01T12:00:00Z` from a Date or any ISO string, or `null` when it is not a time: both vendors' answers go
 * through this so the wire format does not depend on the provider (AWS gives a Date, Alibaba a string).
 */
export const normalizeExpiration = (value: unknown): string | null => {
  const isIso = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value);
  if (!(value instanceof Date) && !isIso) return null;
  const time = new Date(value as string | Date).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
};

/** Both STS services refuse sessions shorter than 15 minutes; 12 h is the longest any role may allow. */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;

export const assertDurationSeconds = (seconds: number): void => {
  if (!Number.isInteger(seconds) || seconds < MIN_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS) {
    throw new ValidationError(
      `duration_seconds must be a whole number from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}`,
      'duration_seconds',
    );
  }
};
