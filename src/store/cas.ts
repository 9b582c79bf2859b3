import { isRetryable, OrchestratorError, PreconditionFailedError } from '../errors';
import type { ObjectStore } from './port';

/** Every JSON document written through compare-and-swap carries the id of the write that produced it. */
export interface Versioned {
  write_id: string;
}

/** A value about to be written: its `write_id` is (re)assigned by `casUpdate`. Distributes over unions. */
export type Draft<T> = T extends unknown ? Omit<T, 'write_id'> & { write_id?: string } : never;

export interface Read<T> {
  value: T;
  etag: string;
}

/**
 * Bounded, because a key that loses 8 races in a row is under pathological contention: the caller gets a 503
 * with Retry-After rather than an unbounded wait inside a function that has a hard timeout.
 */
export const MAX_CAS_ATTEMPTS = 8;

export const newWriteId = (): string => crypto.randomUUID();

export async function readJson<T>(store: ObjectStore, key: string): Promise<Read<T> | null> {
  const object = await store.get(key);
  if (!object) return null;
  return { value: JSON.parse(object.body) as T, etag: object.etag };
}

export interface CasResult<T> {
  /** What is stored now (after the write, or the unchanged current value when the mutation declined). */
  value: T | null;
  etag: string | null;
  changed: boolean;
}

export interface CasOptions<T> {
  maxAttempts?: number;
  /** Called with the next value and its write id before the write is attempted (hints go here). */
  beforeWrite?: (next: T, previous: T | null) => Promise<void>;
}

/**
 * Read-modify-write of one JSON key with compare-and-swap.
 *
 * `mutate` is pure: given the current value (or `null`), it returns the next one, or `undefined` to write nothing.
 * It may throw a domain error to abort. On a lost precondition or an unknown failure the key is re-read: if the
 * stored `write_id` is ours, the write had landed and only its response was lost, so we report success instead of
 * applying the mutation twice.
 *
 *   writer A: read(e1) ── put(ifMatch e1, w=A) ──x (response lost)
 *   store:                 e1 → e2 (w=A)
 *   writer A: re-read → write_id A → success, not a retry on top of itself
 */
export async function casUpdate<T extends Versioned>(
  store: ObjectStore,
  key: string,
  mutate: (current: T | null) => Draft<T> | undefined,
  options: CasOptions<T> = {},
): Promise<CasResult<T>> {
  const maxAttempts = options.maxAttempts ?? MAX_CAS_ATTEMPTS;
  let lastError: unknown;
  // Every write this call attempted: if one of them is what we read, it landed (even if both its response and the
  // re-read confirming it were lost) and the mutation must not be applied again on top of itself.
  const attempted = new Set<string>();
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await readJson<T>(store, key);
    if (current && attempted.has(current.value.write_id)) {
      return { value: current.value, etag: current.etag, changed: true };
    }
    const draft = mutate(current?.value ?? null);
    if (draft === undefined)
      return { value: current?.value ?? null, etag: current?.etag ?? null, changed: false };
    const next = { ...draft, write_id: newWriteId() } as unknown as T;
    attempted.add(next.write_id);
    await options.beforeWrite?.(next, current?.value ?? null);
    try {
      const { etag } = await store.put(
        key,
        JSON.stringify(next),
        current ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
      );
      return { value: next, etag, changed: true };
    } catch (error) {
      if (error instanceof OrchestratorError && !isRetryable(error)) throw error;
      lastError = error;
      const landed = await readJson<T>(store, key).catch(() => null);
      if (landed?.value.write_id === next.write_id) return { value: next, etag: landed.etag, changed: true };
      await backoff(attempt);
    }
  }
  if (lastError instanceof OrchestratorError && !(lastError instanceof PreconditionFailedError))
    throw lastError;
  throw new PreconditionFailedError(key, { cause: lastError });
}

/**
 * How a CAS retry waits. Replaceable only so the deterministic simulator (test/sim) can run retries on virtual
 * time; production code never touches it.
 */
export const casPause = {
  wait: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Full-jitter backoff: 0..(10 ms × 2^attempt), capped at 200 ms, so racing writers spread out quickly. */
const backoff = (attempt: number) => casPause.wait(Math.random() * Math.min(200, 10 * 2 ** attempt));
