/**
 * `Idempotency-Key` on every POST and DELETE (ours, the older HiClaw routes and `/api/v1`): the same key with the
 * same request, from the same caller, gets the first answer back for 24 h instead of acting twice.
 *
 * - The key is scoped to the caller (the manager, a team, one worker incarnation), so a worker's key can never
 *   replay a manager's answer; the request (method, path, query, body) is fingerprinted, and the same key with
 *   another request is 422 `idempotency_key_reused`.
 * - A retry that arrives while the first attempt is still running is 409 `in_progress` with Retry-After (as the
 *   IETF idempotency-key draft says), never a second run. If the first attempt died before storing its answer, a
 *   retry after its lease runs the request again; every lifecycle request is idempotent by itself (the same name
 *   and spec is the same worker), so that never makes a second worker.
 * - Only 2xx answers are stored; any other answer releases the key entirely, so a retry is carried out afresh,
 *   with the same request or a corrected one (the IETF draft lets a failed request's key be reused).
 * - Secrets are never stored: `api_key`, team keys and credentials are removed from the stored answer, and a
 *   replay says which with `Idempotency-Omitted` (a lost worker key is replaced by rotating it).
 * - Requests without a key, requests without a caller (public routes) and routes declared with
 *   `idempotencyKey: 'ignored'` (`/credentials/sts` and `/api/v1/credentials/sts`) pass through.
 *
 * @module
 */

import type { MiddlewareHandler } from 'hono';
import { ConflictError, IdempotencyKeyReusedError, ValidationError } from '../errors';
import {
  bearerToken,
  IdempotencyKeys,
  type Principal,
  type StoredAnswer,
  sha256Hex,
  type WorkerService,
} from '../lifecycle';
import type { AppEnv } from './context';

/** The IETF draft leaves the length open; 255 is what Stripe and most clients use, and bounds the hash input. */
const MAX_KEY_LENGTH = 255;
/** Bodies larger than this are refused by the routes anyway (64 KiB); reading one more byte is enough to know. */
const MAX_FINGERPRINTED_BYTES = 64 * 1024 + 1;
/** Top-level answer fields that carry a secret: worker keys, team keys, temporary credentials, webhook signing secrets. */
const SECRET_FIELDS = ['api_key', 'key', 'access_key_secret', 'security_token', 'signing_secret', 'secret'];
/** The lease of an attempt: the function's timeout plus the same clock-skew margin as operation leases. */
const SKEW_MARGIN_MS = 30_000;

export const REPLAYED_HEADER = 'idempotent-replayed';
export const OMITTED_HEADER = 'idempotency-omitted';

/** The key as sent: a structured-field string (`"abc"`, as the draft writes it) or a bare token. */
export function parseIdempotencyKey(raw: string): string {
  const trimmed = raw.trim();
  const key = /^"(.*)"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (key === '') throw new ValidationError('Idempotency-Key must not be empty', 'Idempotency-Key');
  if (key.length > MAX_KEY_LENGTH) {
    throw new ValidationError(
      `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`,
      'Idempotency-Key',
    );
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ValidationError('Idempotency-Key must be printable ASCII without spaces', 'Idempotency-Key');
  }
  return key;
}

/** Whose answers a key may replay: one scope per manager deployment, team incarnation, or worker incarnation. */
function scopeOf(principal: Principal): string | undefined {
  switch (principal.kind) {
    case 'manager':
      return 'manager';
    case 'team':
      // With its creation time: a team recreated under the same name is another caller.
      return `team:${principal.team}:${principal.created_at}`;
    case 'worker':
      return `worker:${principal.record.name}:${principal.record.uid}`;
    case 'anonymous':
      return undefined;
  }
}

/**
 * The middleware. `ignores` says which routes pass the header by (the route table knows: see `RouteSpec`); it runs
 * before routing, so it is asked by method and path.
 */
export function idempotencyKeys(
  service: WorkerService,
  ignores: (method: string, path: string) => boolean = () => false,
): MiddlewareHandler<AppEnv> {
  const keys = new IdempotencyKeys(service.ctx.repo.store);
  const { ctx } = service;
  return async (c, next) => {
    if (c.req.method !== 'POST' && c.req.method !== 'DELETE') return next();
    if (ignores(c.req.method, c.req.path)) return next();
    const raw = c.req.header('idempotency-key');
    if (raw === undefined) return next();
    const key = parseIdempotencyKey(raw);
    const scope = scopeOf(await service.authenticate(bearerToken(c.req.header('authorization'))));
    if (scope === undefined) return next();
    const url = new URL(c.req.url);
    const body = await readBounded(c.req.raw.clone());
    const hash = await sha256Hex(`${scope}\n${key}`);
    const fingerprint = await sha256Hex(JSON.stringify([c.req.method, url.pathname, url.search, body]));
    const leaseMs = ctx.settings.functionTimeoutSeconds * 1000 + SKEW_MARGIN_MS;
    const begun = await keys.begin(hash, fingerprint, ctx.clock.now(), leaseMs);
    switch (begun.kind) {
      case 'mismatch':
        throw new IdempotencyKeyReusedError(
          'this Idempotency-Key was used with another request (method, path or body); use a new key',
          { details: { field: 'Idempotency-Key' } },
        );
      case 'in_progress':
        throw new ConflictError('a request with this Idempotency-Key is still in progress', 'in_progress', {
          retryAfterSeconds: begun.retryAfterSeconds,
        });
      case 'replay':
        return replay(begun.answer);
    }
    await next();
    const res = c.res;
    const ok = res.status >= 200 && res.status < 300;
    // The request has acted: its answer goes out even if storing it fails. The key then stays claimed until its
    // lease ends, exactly as if this function had died here, and a later retry runs the request again.
    await (ok ? keys.finish(hash, begun, await answerOf(res)) : keys.release(hash, begun)).catch((error) =>
      ctx.log.warn('idempotency key not updated; a retry after its lease runs the request again', {
        path: url.pathname,
        error: error instanceof Error ? error.name : 'unknown',
      }),
    );
  };
}

async function answerOf(res: Response): Promise<StoredAnswer> {
  const text = await res.clone().text();
  const type = res.headers.get('content-type') ?? undefined;
  const etag = res.headers.get('etag') ?? undefined;
  const { body, omitted } = withoutSecrets(text);
  return {
    status: res.status,
    body,
    ...(type ? { content_type: type } : {}),
    ...(etag ? { etag } : {}),
    ...(omitted.length ? { omitted } : {}),
  };
}

/** The answer minus its secret fields, and which ones were removed. */
export function withoutSecrets(text: string): { body: string; omitted: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { body: text, omitted: [] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { body: text, omitted: [] };
  const record = value as Record<string, unknown>;
  const omitted = SECRET_FIELDS.filter((field) => field in record);
  if (omitted.length === 0) return { body: text, omitted };
  const kept = Object.fromEntries(Object.entries(record).filter(([k]) => !omitted.includes(k)));
  return { body: JSON.stringify(kept), omitted };
}

function replay(answer: StoredAnswer): Response {
  const headers = new Headers({ [REPLAYED_HEADER]: 'true' });
  if (answer.content_type) headers.set('content-type', answer.content_type);
  if (answer.etag) headers.set('etag', answer.etag);
  if (answer.omitted) headers.set(OMITTED_HEADER, answer.omitted.join(', '));
  const empty = answer.status === 204 || answer.status === 205;
  return new Response(empty ? null : answer.body, { status: answer.status, headers });
}

/** The body as text, at most a little more than any route accepts (a larger one is refused by the route). */
async function readBounded(request: Request): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_FINGERPRINTED_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
