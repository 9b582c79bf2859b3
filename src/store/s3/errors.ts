import type { Verdict } from '../retry';

/**
 * How the S3 adapter reads a failed S3 request: an `S3ResponseError` from `rest.ts` (shaped as the AWS SDK shapes
 * its errors, so either reads the same), a `fetch` failure (reset, refused: no HTTP status) or our deadline. The
 * error's `name` (the S3 error code) and HTTP status decide, never its message text.
 *
 * @module
 */

interface SdkErrorShape {
  name?: string;
  code?: string;
  /** `fetch` rejects with a TypeError whose cause carries the socket error code (`ECONNRESET`…). */
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

const shape = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

export const httpStatusOf = (error: unknown): number | undefined => shape(error).$metadata?.httpStatusCode;

/** `If-Match` / `If-None-Match` lost: the object changed, or exists for a create-only write. */
export const isPreconditionFailed = (error: unknown): boolean =>
  shape(error).name === 'PreconditionFailed' || httpStatusOf(error) === 412;

/**
 * AWS answers 409 `ConditionalRequestConflict` when two conditional writes of one key overlap; the loser should
 * retry. Matched on the code alone: S3 has other 409s (`OperationAborted`, bucket-state errors) that say nothing
 * about a precondition, and reading them as one would report a lost precondition the caller never set.
 */
export const isConditionalConflict = (error: unknown): boolean =>
  shape(error).name === 'ConditionalRequestConflict';

/** 409 `OperationAborted`: another operation on the resource is in progress; S3 says to try again. */
const isOperationAborted = (error: unknown): boolean => shape(error).name === 'OperationAborted';

/** The key is absent (HEAD has no body, so the SDK names it `NotFound`). A missing bucket is not this. */
export const isNoSuchKey = (error: unknown): boolean => {
  const { name } = shape(error);
  return (
    name === 'NoSuchKey' || name === 'NotFound' || (httpStatusOf(error) === 404 && name !== 'NoSuchBucket')
  );
};

export const isNotImplemented = (error: unknown): boolean =>
  shape(error).name === 'NotImplemented' || httpStatusOf(error) === 501;

/** Our own per-request deadline fired (`AbortSignal.timeout`), or the HTTP handler's. */
export const isTimeout = (error: unknown): boolean => {
  const { name, code } = shape(error);
  return name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT';
};

/**
 * Retry throttling (503 SlowDown, 429), server errors (5xx, S3's 400 RequestTimeout), the two 409s that mean
 * "another operation is in flight" (`ConditionalRequestConflict`, `OperationAborted`) and anything that never got
 * an HTTP status (reset, refused, timeout, a truncated response); fail at once on every other 4xx (other 409s
 * included), whose cause a retry cannot change (a lost precondition, a missing bucket, denied access).
 */
export const classifyS3Error = (error: unknown): Verdict => {
  if (isPreconditionFailed(error)) return 'fail';
  if (isConditionalConflict(error) || isOperationAborted(error)) return 'retry';
  // 501 is a capability answer (e.g. If-Match on DELETE), not a transient failure.
  if (isNotImplemented(error)) return 'fail';
  const status = httpStatusOf(error);
  if (status === undefined) return 'retry';
  if (status >= 500 || status === 429 || shape(error).name === 'RequestTimeout') return 'retry';
  return 'fail';
};

/**
 * A short, secret-free description: the S3 error code and status, or the socket error code. The vendor message
 * is left out on purpose; some (signature mismatches) echo request material.
 */
export const describeS3Error = (error: unknown): string => {
  const { name, code, cause } = shape(error);
  const status = httpStatusOf(error);
  if (isTimeout(error)) return 'request timed out';
  if (status !== undefined) return `${name ?? 'error'} (HTTP ${status})`;
  return code ?? cause?.code ?? name ?? 'network error';
};
