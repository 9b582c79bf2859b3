/**
 * Short-lived storage credentials for the calling worker only.
 *
 * Duration = min(configured, 3600 s, time left before `expires_at`): STS is rate limited per account, so an hour
 * is the sweet spot, and nothing may outlive the worker's hard lifetime. Issued credentials stay valid until they
 * expire even if the worker sleeps or is deleted afterwards (STS cannot revoke a session); the README says so.
 *
 * @module
 */

import type { CredentialIssuer, IssuedCredentials } from '../../credentials/port';
import { BackendUnavailableError, ConflictError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { WorkerRecord } from '../model';
import { isAwake, iso } from '../model';

/** STS refuses sessions shorter than 900 s. */
export const MIN_CREDENTIAL_SECONDS = 900;
export const MAX_CREDENTIAL_SECONDS = 3600;

export interface StsToken {
  access_key_id: string;
  access_key_secret: string;
  security_token: string;
  expiration: string;
  expires_in_sec: number;
  oss_endpoint: string;
  oss_bucket: string;
  provider: string;
  endpoint: string;
  bucket: string;
  prefixes: string[];
}

export async function issueCredentials(
  ctx: LifecycleContext,
  issuer: CredentialIssuer | undefined,
  record: WorkerRecord,
  configuredSeconds = MAX_CREDENTIAL_SECONDS,
): Promise<StsToken> {
  if (!issuer) {
    throw new BackendUnavailableError(
      'no credential issuer is configured (set STS_PROVIDER and its settings)',
    );
  }
  if (record.desired === 'deleted')
    throw new ConflictError(`worker ${record.name} is being deleted`, 'deleting');
  if (!isAwake(record) || record.desired !== 'running') {
    throw new ConflictError(
      `worker ${record.name} is ${record.phase}; credentials are issued to awake workers only`,
      'not_awake',
    );
  }
  const now = ctx.clock.now();
  const left = record.expires_at
    ? Math.floor((Date.parse(record.expires_at) - now) / 1000)
    : Number.POSITIVE_INFINITY;
  const duration = Math.min(configuredSeconds, MAX_CREDENTIAL_SECONDS, left);
  if (duration < MIN_CREDENTIAL_SECONDS) {
    throw new ConflictError(
      `worker ${record.name} expires in ${Math.max(0, left)} s, too soon for credentials (STS needs ${MIN_CREDENTIAL_SECONDS} s)`,
      'expiring',
    );
  }
  const issued = await issuer.issue({ workerName: record.name, uid: record.uid, durationSeconds: duration });
  // Neither the note nor the webhook event may cost the worker its credentials: each failure is logged only.
  await Promise.all([
    ctx.repo
      .appendNote(record, {
        at: iso(now),
        reason: 'credentials_issued',
        actor: `worker:${record.name}`,
        message: `${issued.provider} credentials until ${issued.expiration} for ${issued.prefixes.join(', ')}`,
      })
      .catch((error) =>
        ctx.log.warn('could not record the credential issuance event', {
          worker: record.name,
          error: String(error),
        }),
      ),
    announceIssued(ctx, record, issued).catch((error) =>
      ctx.log.warn('could not file the credentials.issued webhook event', {
        worker: record.name,
        error: error instanceof Error ? error.message : String(error),
      }),
    ),
  ]);
  return toStsToken(issued, now);
}

/**
 * `credentials.issued`, for the endpoints that list it (opt-in). Filed, not sent: the credentials function may
 * not read the signing secrets, so the sweeper sends it from the issuance queue (`outbox/_issued/<name>/`, the
 * only outbox folder that function may write). The body says who got what for how long; never the key id, the secret or the token.
 */
async function announceIssued(
  ctx: LifecycleContext,
  record: WorkerRecord,
  issued: IssuedCredentials,
): Promise<void> {
  await ctx.eventFiler?.file(
    record.name,
    'credentials.issued',
    {
      uid: record.uid,
      generation: record.spec_generation,
      reason: 'credentials_issued',
      actor: 'worker',
      provider: issued.provider,
      bucket: issued.bucket,
      prefixes: issued.prefixes,
      expiration: issued.expiration,
      labels: record.labels,
      ...(record.team ? { team: record.team } : {}),
    },
    { labels: record.labels, ...(record.team ? { team: record.team } : {}) },
  );
}

/** HiClaw's `STSToken` fields, plus provider-neutral names. */
export function toStsToken(issued: IssuedCredentials, now: number): StsToken {
  return {
    access_key_id: issued.accessKeyId,
    access_key_secret: issued.accessKeySecret,
    security_token: issued.securityToken,
    expiration: issued.expiration,
    expires_in_sec: Math.max(0, Math.floor((Date.parse(issued.expiration) - now) / 1000)),
    oss_endpoint: issued.endpoint,
    oss_bucket: issued.bucket,
    provider: issued.provider,
    endpoint: issued.endpoint,
    bucket: issued.bucket,
    prefixes: issued.prefixes,
  };
}
