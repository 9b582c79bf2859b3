/**
 * Idempotency keys: the first answer to a request that carried `Idempotency-Key`, kept 24 h so a retry gets it
 * back instead of acting twice.
 *
 * One entry per (caller, key) at `idempotency/keys/<sha256>.json`, changed only by conditional writes:
 *
 *   attempt A: create-only put {in_progress, lease} ── runs the request ── put(ifMatch) {done, response}
 *   attempt B (concurrent): create-only put fails → reads in_progress with a live lease → 409 in_progress
 *   attempt C (A was killed before storing its answer): lease expired → takes the entry over (ifMatch) and runs
 *              the request again; the lifecycle's own idempotence (same name, same spec → the same worker) means
 *              this never makes a second worker.
 *
 * Expiry: every entry is indexed at `idempotency/expiry/<12-digit epoch seconds>/<sha256>` BEFORE the entry is
 * written (so a function killed between the two never leaves an entry nobody will clean), and the sweeper deletes
 * what is due. An entry past its expiry is treated as absent on read, whether or not the sweeper has run yet.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { newWriteId, readJson, type Versioned } from '../../store/cas';
import type { ObjectStore } from '../../store/port';

/** How long a first answer is replayed: the retry window of every client library we know of. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const KEYS_PREFIX = 'idempotency/keys/';
const EXPIRY_PREFIX = 'idempotency/expiry/';
const entryKey = (hash: string) => `${KEYS_PREFIX}${hash}.json`;
const expiryKey = (atMs: number, hash: string) =>
  `${EXPIRY_PREFIX}${String(Math.max(0, Math.floor(atMs / 1000))).padStart(12, '0')}/${hash}`;
const EXPIRY_SHAPE = /^idempotency\/expiry\/(\d{12})\/([0-9a-f]{64})$/;

/** The stored first answer. Secret fields are never in `body`: `omitted` names those that were removed. */
export interface StoredAnswer {
  status: number;
  body: string;
  content_type?: string;
  etag?: string;
  omitted?: string[];
}

export interface IdempotencyEntry extends Versioned {
  /** SHA-256 of method, path, query and body: the same key with anything else is refused. */
  fingerprint: string;
  /** `released`: the request failed, and the key is free again for any request (as if absent). */
  state: 'in_progress' | 'done' | 'released';
  created_at: string;
  expires_at: string;
  /** While `in_progress`: until when the attempt that holds it may still be running. */
  lease_until?: string;
  answer?: StoredAnswer;
}

export type Begin =
  /** This attempt holds the key: run the request, then `finish` or `release`. */
  | { kind: 'started'; etag: string; entry: IdempotencyEntry }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'in_progress'; retryAfterSeconds: number }
  | { kind: 'mismatch' };

const MAX_BEGIN_ATTEMPTS = 5;

export class IdempotencyKeys {
  constructor(private readonly store: ObjectStore) {}

  /**
   * Claims `hash` for one attempt of the request `fingerprint`, or says why not. `leaseMs` is how long the attempt
   * may run (the function's timeout plus a skew margin): after that a retry takes over.
   */
  async begin(hash: string, fingerprint: string, now: number, leaseMs: number): Promise<Begin> {
    const key = entryKey(hash);
    const attempted = new Set<string>();
    for (let attempt = 0; attempt < MAX_BEGIN_ATTEMPTS; attempt++) {
      const current = await readJson<IdempotencyEntry>(this.store, key);
      const live =
        current && current.value.state !== 'released' && Date.parse(current.value.expires_at) > now
          ? current
          : null;
      if (live && attempted.has(live.value.write_id)) {
        // Our own write landed though its answer was lost.
        return { kind: 'started', etag: live.etag, entry: live.value };
      }
      if (live) {
        const entry = live.value;
        if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (entry.state === 'done' && entry.answer) return { kind: 'replay', answer: entry.answer };
        const leaseEnd = Date.parse(entry.lease_until ?? entry.created_at);
        if (leaseEnd > now) {
          return { kind: 'in_progress', retryAfterSeconds: Math.max(1, Math.ceil((leaseEnd - now) / 1000)) };
        }
      }
      // Absent, expired, released, or an attempt that died before storing its answer: this attempt takes the key.
      const entry: IdempotencyEntry = {
        fingerprint,
        state: 'in_progress',
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + IDEMPOTENCY_TTL_MS).toISOString(),
        lease_until: new Date(now + leaseMs).toISOString(),
        write_id: newWriteId(),
      };
      attempted.add(entry.write_id);
      await this.store.put(expiryKey(now + IDEMPOTENCY_TTL_MS, hash), '');
      try {
        const { etag } = await this.store.put(
          key,
          JSON.stringify(entry),
          current ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
        );
        return { kind: 'started', etag, entry };
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
        // Another attempt wrote first (or ours landed and its answer was lost): read again and decide.
      }
    }
    throw new PreconditionFailedError(key);
  }

  /** Stores the answer over the entry this attempt holds; `false` when another attempt took the key over. */
  async finish(hash: string, held: { etag: string; entry: IdempotencyEntry }, answer: StoredAnswer) {
    const { lease_until: _lease, ...entry } = held.entry;
    const done: IdempotencyEntry = { ...entry, state: 'done', answer, write_id: newWriteId() };
    return this.writeOver(hash, held.etag, done);
  }

  /**
   * Gives the key up entirely (the request failed): the retry may run it again, with the same request or a
   * corrected one, as the IETF draft expects of a failed request; the fingerprint no longer binds the key. A put
   * that marks the entry released rather than a delete: conditional deletes are not atomic on every store, a
   * conditional put is.
   */
  async release(hash: string, held: { etag: string; entry: IdempotencyEntry }) {
    const { lease_until: _lease, ...entry } = held.entry;
    const released: IdempotencyEntry = { ...entry, state: 'released', write_id: newWriteId() };
    return this.writeOver(hash, held.etag, released);
  }

  private async writeOver(hash: string, etag: string, entry: IdempotencyEntry): Promise<boolean> {
    try {
      await this.store.put(entryKey(hash), JSON.stringify(entry), { ifMatch: etag });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Deletes the entries whose expiry is due at `now`, at most `limit` index keys. An entry re-used after it expired
   * has a later expiry (and its own index key), so it is left alone. Where conditional deletes are only emulated
   * (R2), a re-use landing between the check and the delete loses its claim: a retry may then run the request again,
   * which every request tolerates (each is idempotent underneath), so the clean-up is not skipped there.
   */
  async deleteExpired(now: number, limit: number): Promise<number> {
    const last = expiryKey(now, 'f'.repeat(64));
    const page = await this.store.list(EXPIRY_PREFIX, { limit });
    let removed = 0;
    for (const { key } of page.keys) {
      if (key > last) break;
      const match = EXPIRY_SHAPE.exec(key);
      if (match) {
        const hash = match[2]!;
        const current = await readJson<IdempotencyEntry>(this.store, entryKey(hash));
        if (current && Date.parse(current.value.expires_at) <= now) {
          await this.store.delete(entryKey(hash), { ifMatch: current.etag }).catch((error) => {
            // Re-used meanwhile: the newer entry has its own index key.
            if (!(error instanceof PreconditionFailedError)) throw error;
          });
          removed++;
        }
      }
      await this.store.delete(key);
    }
    return removed;
  }
}
