import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../src/errors';
import { casUpdate, readJson, type Versioned } from '../../src/store/cas';
import type { ObjectStore } from '../../src/store/port';
import { LossyStore } from '../support/lossy-store';

/**
 * The one behaviour suite every `ObjectStore` adapter runs (STYLE rule 14): the orchestrator's correctness rests
 * on these guarantees, so whether a backend really has them is proved here, not assumed (STYLE rule 10).
 */
export interface StoreConformanceOptions {
  /** Cases an adapter truly cannot pass (names from `STORE_CASES`), with the reason shown in the skipped title. */
  skip?: { reason: string; tests: string[] };
}

/** Case names, exported so adapters can name the ones they skip without retyping the sentence. */
export const STORE_CASES = {
  absence: 'get of a key that was never written is null, and an empty prefix lists no keys',
  readYourWrite: 'a put is visible to the next get with the etag the put returned',
  createOnly:
    'a create-only put refuses an existing key with PreconditionFailedError and keeps the first value',
  staleEtag: 'a put with a stale or unknown ifMatch etag is refused and leaves the value unchanged',
  conditionalDelete:
    'delete refuses a stale etag, deletes with the current one, and is idempotent unconditionally',
  listOrder:
    'list returns exactly the keys under the prefix in ascending byte order with numeric lastModified',
  listPaging: 'paging with limit and the cursor passed back as startAfter visits every key exactly once',
  lostResponse: 'casUpdate whose put response was lost applies its mutation exactly once',
  raceIncrements: '20 concurrent casUpdate increments of one key end at exactly 20',
  raceCreators: '10 concurrent create-only puts of one new key: exactly one wins, 9 are refused',
} as const;

interface Counter extends Versioned {
  n: number;
}

const increment = (current: Counter | null) => ({ n: (current?.n ?? 0) + 1 });

/** Keys inserted out of order; expected in ascending byte order ('B' < 'a', '-' < '.' < '/' < '0', é is 0xC3). */
const LIST_KEYS_SORTED = ['B', 'a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0', 'ab', 'b', 'é'];

const DAY_MS = 24 * 60 * 60 * 1000;

export function runStoreConformance(
  label: string,
  makeStore: () => ObjectStore | Promise<ObjectStore>,
  options: StoreConformanceOptions = {},
): void {
  const skipped = new Set(options.skip?.tests ?? []);
  const test = (name: string, fn: (store: ObjectStore) => Promise<void>) => {
    const skip = skipped.has(name);
    // A skipped case carries its reason in its title, so the report says why, not only that.
    const title = skip ? `${name} (skipped: ${options.skip?.reason})` : name;
    it.skipIf(skip)(title, async () => fn(await makeStore()));
  };

  describe(`ObjectStore conformance: ${label}`, () => {
    test(STORE_CASES.absence, async (store) => {
      expect(await store.get('never/written.json')).toBeNull();
      expect((await store.list('never/')).keys).toEqual([]);
    });

    test(STORE_CASES.readYourWrite, async (store) => {
      const first = await store.put('records/a.json', '{"v":1}');
      expect(await store.get('records/a.json')).toEqual({ body: '{"v":1}', etag: first.etag });
      const second = await store.put('records/a.json', '{"v":2}');
      expect(second.etag).not.toBe(first.etag);
      expect(await store.get('records/a.json')).toEqual({ body: '{"v":2}', etag: second.etag });
    });

    test(STORE_CASES.createOnly, async (store) => {
      const created = await store.put('meta/deployment.json', 'first', { ifNoneMatch: '*' });
      await expect(store.put('meta/deployment.json', 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.get('meta/deployment.json')).toEqual({ body: 'first', etag: created.etag });
    });

    test(STORE_CASES.staleEtag, async (store) => {
      const v1 = await store.put('workers/w.json', 'v1');
      const v2 = await store.put('workers/w.json', 'v2', { ifMatch: v1.etag });
      await expect(store.put('workers/w.json', 'v3', { ifMatch: v1.etag })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.get('workers/w.json')).toEqual({ body: 'v2', etag: v2.etag });
      // ifMatch on a key that does not exist must not create it.
      await expect(store.put('workers/none.json', 'x', { ifMatch: v2.etag })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.get('workers/none.json')).toBeNull();
    });

    test(STORE_CASES.conditionalDelete, async (store) => {
      const v1 = await store.put('beats/w', 'one');
      const v2 = await store.put('beats/w', 'two');
      await expect(store.delete('beats/w', { ifMatch: v1.etag })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.get('beats/w')).toEqual({ body: 'two', etag: v2.etag });
      await store.delete('beats/w', { ifMatch: v2.etag });
      expect(await store.get('beats/w')).toBeNull();
      await expect(store.delete('beats/w', { ifMatch: v2.etag })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await expect(store.delete('beats/w')).resolves.toBeUndefined();
    });

    test(STORE_CASES.listOrder, async (store) => {
      const shuffled = [...LIST_KEYS_SORTED].sort(() => Math.random() - 0.5);
      for (const key of shuffled) await store.put(`l/${key}`, key);
      // Neighbours that share the prefix's first letters must not leak into the listing.
      for (const key of ['k/x', 'l-other', 'lz', 'm/x']) await store.put(key, key);

      const all = await store.list('l/');
      expect(all.keys.map((entry) => entry.key)).toEqual(LIST_KEYS_SORTED.map((key) => `l/${key}`));
      expect(all.cursor).toBeUndefined();
      for (const entry of all.keys) {
        expect(typeof entry.lastModified).toBe('number');
        expect(Math.abs(entry.lastModified - Date.now())).toBeLessThan(DAY_MS);
      }
      expect((await store.list('l/a/')).keys.map((entry) => entry.key)).toEqual(['l/a/b', 'l/a/b/c']);
      // A prefix may end inside a path segment.
      expect((await store.list('l/a')).keys.map((entry) => entry.key)).toEqual(
        ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0', 'ab'].map((key) => `l/${key}`),
      );
    });

    test(STORE_CASES.listPaging, async (store) => {
      const keys = Array.from({ length: 25 }, (_, i) => `p/k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((key) => store.put(key, key)));
      await store.put('q/outside', 'x');

      const seen: string[] = [];
      let startAfter: string | undefined;
      for (let pages = 0; pages < 25; pages++) {
        const page = await store.list('p/', {
          limit: 7,
          ...(startAfter === undefined ? {} : { startAfter }),
        });
        expect(page.keys.length).toBeLessThanOrEqual(7);
        seen.push(...page.keys.map((entry) => entry.key));
        startAfter = page.cursor;
        if (startAfter === undefined) break;
      }
      expect(startAfter).toBeUndefined();
      expect(seen).toEqual(keys);

      // startAfter need not be a stored key.
      const after = await store.list('p/', { startAfter: 'p/k20x' });
      expect(after.keys.map((entry) => entry.key)).toEqual(['p/k21', 'p/k22', 'p/k23', 'p/k24']);
    });

    test(STORE_CASES.lostResponse, async (store) => {
      const lossy = new LossyStore(store);
      lossy.loseNextPutResponse();
      const created = await casUpdate<Counter>(lossy, 'workers/lost.json', increment);
      lossy.loseNextPutResponse();
      const updated = await casUpdate<Counter>(lossy, 'workers/lost.json', increment);

      expect(created).toMatchObject({ changed: true, value: { n: 1 } });
      expect(updated).toMatchObject({ changed: true, value: { n: 2 } });
      const stored = await readJson<Counter>(store, 'workers/lost.json');
      expect(stored?.value).toEqual({ n: 2, write_id: updated.value?.write_id });
      // One put per casUpdate reached the store: neither mutation was retried on top of itself.
      expect(lossy.putsDelivered).toBe(2);
    });

    test(STORE_CASES.raceIncrements, async (store) => {
      // The budget is raised because this case proves atomicity (no lost or doubled update), not the retry budget.
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          casUpdate<Counter>(store, 'race/counter.json', increment, { maxAttempts: 100 }),
        ),
      );
      expect(results.every((result) => result.changed)).toBe(true);
      expect((await readJson<Counter>(store, 'race/counter.json'))?.value.n).toBe(20);
      // Each winning write started from a distinct value 0..19.
      expect(results.map((result) => result.value!.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test(STORE_CASES.raceCreators, async (store) => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.put('race/created.json', `creator-${i}`, { ifNoneMatch: '*' }),
        ),
      );
      const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
      const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(9);
      for (const reason of losers) expect(reason).toBeInstanceOf(PreconditionFailedError);
      expect((await store.get('race/created.json'))?.body).toBe(`creator-${winners[0]}`);
    });
  });
}
