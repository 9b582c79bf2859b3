/**
 * Bounded retry with full-jitter exponential backoff for object-store requests (S3, OSS).
 *
 * Cloud object stores throttle (503 SlowDown), fail transiently (500) and drop connections; one function
 * invocation must ride those out without waiting past its own timeout. Every request an adapter retries is
 * atomic on the server (a PUT, GET, DELETE or HEAD of a single object), so a retry can never leave a
 * half-written record: at worst the first attempt landed and the retry is refused by its precondition, which
 * `casUpdate` resolves through the record's `write_id`.
 *
 * @module
 */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** The backoff ceiling of the first retry; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of any single backoff. */
  maxDelayMs: number;
}

/**
 * Five attempts over at most ~1.5 s of backoff: enough to ride out a throttling burst, short enough that a
 * request still answers (with 503 + Retry-After) well inside API Gateway's 30 s cut-off.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 50, maxDelayMs: 800 };

/** What to do with one failed attempt. */
export type Verdict = 'retry' | 'fail';

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(
    readonly attempts: number,
    readonly last: unknown,
  ) {
    super(`gave up after ${attempts} attempts`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full jitter: uniform in [0, min(max, base × 2^retry)], so many throttled callers do not retry in step. */
export const jitteredDelay = (policy: RetryPolicy, retry: number): number =>
  Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);

/**
 * Runs `operation` until it succeeds, `classify` says `fail` (the error is rethrown as is), or the attempts are
 * used up (throws `RetriesExhausted` carrying the last error, for the adapter to translate).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  classify: (error: unknown) => Verdict,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (classify(error) === 'fail') throw error;
      if (attempt + 1 >= policy.attempts) throw new RetriesExhausted(attempt + 1, error);
      await sleep(jitteredDelay(policy, attempt));
    }
  }
}
