/**
 * The idempotency-key entries: who holds a key, what a retry sees, and when an entry is over.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, IdempotencyKeys } from '../../../src/lifecycle/persistence/idempotency';
import { FsStore } from '../../../src/store/fs';
import { MemoryStore } from '../../../src/store/memory';
import type { ObjectStore } from '../../../src/store/port';

/** The same behaviour on the in-process store and on a directory (real files, real conditional writes). */
const STORES: [string, () => ObjectStore][] = [
  ['memory', () => new MemoryStore()],
  ['fs', () => new FsStore(mkdtempSync(join(tmpdir(), 'idempotency-')))],
];

const HASH = 'a'.repeat(64);
const LEASE = 90_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const answer = { status: 201, body: '{"name":"w"}', content_type: 'application/json' };

describe.each(STORES)('IdempotencyKeys on the %s store', (_kind, newStore) => {
  it('of concurrent first attempts exactly one holds the key', async () => {
    const keys = new IdempotencyKeys(newStore());
    const begun = await Promise.all(Array.from({ length: 10 }, () => keys.begin(HASH, 'fp', T0, LEASE)));
    expect(begun.filter((b) => b.kind === 'started')).toHaveLength(1);
    expect(begun.filter((b) => b.kind === 'in_progress')).toHaveLength(9);
  });

  it('the first attempt holds the key; a retry sees in_progress until the answer is stored, then the answer', async () => {
    const keys = new IdempotencyKeys(newStore());
    const first = await keys.begin(HASH, 'fp', T0, LEASE);
    expect(first.kind).toBe('started');
    const busy = await keys.begin(HASH, 'fp', T0 + 1000, LEASE);
    expect(busy).toEqual({ kind: 'in_progress', retryAfterSeconds: 89 });
    if (first.kind !== 'started') throw new Error('unreachable');
    expect(await keys.finish(HASH, first, answer)).toBe(true);
    expect(await keys.begin(HASH, 'fp', T0 + 2000, LEASE)).toEqual({ kind: 'replay', answer });
  });

  it('another request under the same key is a mismatch, whatever the state', async () => {
    const keys = new IdempotencyKeys(newStore());
    await keys.begin(HASH, 'fp', T0, LEASE);
    expect((await keys.begin(HASH, 'other', T0, LEASE)).kind).toBe('mismatch');
  });

  it('an attempt that died holding the key is taken over after its lease, and its late answer is then refused', async () => {
    const keys = new IdempotencyKeys(newStore());
    const dead = await keys.begin(HASH, 'fp', T0, LEASE);
    const takeover = await keys.begin(HASH, 'fp', T0 + LEASE + 1, LEASE);
    expect(takeover.kind).toBe('started');
    if (dead.kind !== 'started' || takeover.kind !== 'started') throw new Error('unreachable');
    // The first attempt, resumed late, cannot overwrite the entry the second holds.
    expect(await keys.finish(HASH, dead, { ...answer, status: 200 })).toBe(false);
    expect(await keys.finish(HASH, takeover, answer)).toBe(true);
    expect(await keys.begin(HASH, 'fp', T0 + LEASE + 2, LEASE)).toEqual({ kind: 'replay', answer });
  });

  it('a released key (the request failed) is free at once for the retry', async () => {
    const keys = new IdempotencyKeys(newStore());
    const first = await keys.begin(HASH, 'fp', T0, LEASE);
    if (first.kind !== 'started') throw new Error('unreachable');
    await keys.release(HASH, first);
    expect((await keys.begin(HASH, 'fp', T0 + 1, LEASE)).kind).toBe('started');
  });

  it('a released key is free for another request too (the retry of a refused request with its body corrected)', async () => {
    const keys = new IdempotencyKeys(newStore());
    const first = await keys.begin(HASH, 'fp-bad-body', T0, LEASE);
    if (first.kind !== 'started') throw new Error('unreachable');
    await keys.release(HASH, first);
    const corrected = await keys.begin(HASH, 'fp-corrected', T0 + 1, LEASE);
    expect(corrected.kind).toBe('started');
    if (corrected.kind !== 'started') throw new Error('unreachable');
    await keys.finish(HASH, corrected, answer);
    // From then on the key is the corrected request's: the first body is now another request.
    expect((await keys.begin(HASH, 'fp-bad-body', T0 + 2, LEASE)).kind).toBe('mismatch');
    expect((await keys.begin(HASH, 'fp-corrected', T0 + 2, LEASE)).kind).toBe('replay');
  });

  it('after 24 h an entry is absent on read, even with another request, before any clean-up ran', async () => {
    const keys = new IdempotencyKeys(newStore());
    const first = await keys.begin(HASH, 'fp', T0, LEASE);
    if (first.kind !== 'started') throw new Error('unreachable');
    await keys.finish(HASH, first, answer);
    expect((await keys.begin(HASH, 'new-request', T0 + IDEMPOTENCY_TTL_MS, LEASE)).kind).toBe('started');
  });

  it('deleteExpired removes due entries and their index, and leaves an entry re-used after expiry', async () => {
    const store = newStore();
    const keys = new IdempotencyKeys(store);
    const other = 'b'.repeat(64);
    for (const hash of [HASH, other]) {
      const held = await keys.begin(hash, 'fp', T0, LEASE);
      if (held.kind !== 'started') throw new Error('unreachable');
      await keys.finish(hash, held, answer);
    }
    // `other` is re-used once expired: a new entry with a later expiry.
    await keys.begin(other, 'fp2', T0 + IDEMPOTENCY_TTL_MS + 10, LEASE);
    expect(await keys.deleteExpired(T0 + IDEMPOTENCY_TTL_MS - 1000, 100)).toBe(0);
    expect(await keys.deleteExpired(T0 + IDEMPOTENCY_TTL_MS + 20, 100)).toBe(1);
    const left = (await store.list('idempotency/')).keys.map((k) => k.key);
    expect(left).toEqual([
      expect.stringMatching(/^idempotency\/expiry\/\d{12}\/b{64}$/),
      `idempotency/keys/${other}.json`,
    ]);
    expect((await keys.begin(other, 'fp2', T0 + IDEMPOTENCY_TTL_MS + 30, LEASE)).kind).toBe('in_progress');
  });
});
