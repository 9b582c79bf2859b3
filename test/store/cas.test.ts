import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  PreconditionFailedError,
  StoreUnavailableError,
  ValidationError,
} from '../../src/errors';
import { casUpdate, MAX_CAS_ATTEMPTS, readJson, type Versioned } from '../../src/store/cas';
import { MemoryStore } from '../../src/store/memory';
import type { ObjectStore, PutOptions } from '../../src/store/port';

interface Counter extends Versioned {
  n: number;
}

/** A real MemoryStore whose every put fails with `failure()`: a key another writer always beats us to. */
const failingPuts = (inner: MemoryStore, failure: (key: string) => Error) => {
  const store: ObjectStore & { puts: number } = {
    kind: inner.kind,
    atomicConditionalDelete: true,
    puts: 0,
    get: (key) => inner.get(key),
    put: async (key: string, _body: string, _options?: PutOptions) => {
      store.puts++;
      throw failure(key);
    },
    delete: (key, options) => inner.delete(key, options),
    list: (prefix, options) => inner.list(prefix, options),
  };
  return store;
};

describe('casUpdate on MemoryStore', () => {
  it('writes nothing when the mutation returns undefined, and reports the current value', async () => {
    const store = new MemoryStore();
    const seeded = await casUpdate<Counter>(store, 'workers/a.json', () => ({ n: 1 }));
    store.resetCounts();

    const declined = await casUpdate<Counter>(store, 'workers/a.json', () => undefined);
    expect(declined).toEqual({ value: seeded.value, etag: seeded.etag, changed: false });
    expect(await casUpdate<Counter>(store, 'workers/missing.json', () => undefined)).toEqual({
      value: null,
      etag: null,
      changed: false,
    });
    expect(store.counts.put).toBe(0);
    expect(await store.get('workers/missing.json')).toBeNull();
  });

  it('propagates a domain error thrown by the mutation and writes nothing', async () => {
    const store = new MemoryStore();
    await casUpdate<Counter>(store, 'workers/a.json', () => ({ n: 1 }));
    const before = await store.get('workers/a.json');
    store.resetCounts();
    const refusal = new ConflictError('worker is being deleted', 'deleting');

    await expect(
      casUpdate<Counter>(store, 'workers/a.json', () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(store.counts.put).toBe(0);
    expect(await store.get('workers/a.json')).toEqual(before);
  });

  it('throws PreconditionFailedError after MAX_CAS_ATTEMPTS puts lost to constant contention', async () => {
    const inner = new MemoryStore();
    await casUpdate<Counter>(inner, 'workers/a.json', () => ({ n: 1 }));
    const store = failingPuts(inner, (key) => new PreconditionFailedError(key));

    await expect(
      casUpdate<Counter>(store, 'workers/a.json', (current) => ({ n: (current?.n ?? 0) + 1 })),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(store.puts).toBe(MAX_CAS_ATTEMPTS);
    expect((await readJson<Counter>(inner, 'workers/a.json'))?.value.n).toBe(1);
  });

  it('surfaces an exhausted store outage as StoreUnavailableError, not as contention', async () => {
    const store = failingPuts(new MemoryStore(), () => new StoreUnavailableError('throttled'));
    await expect(casUpdate<Counter>(store, 'k', () => ({ n: 1 }), { maxAttempts: 3 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(store.puts).toBe(3);
  });

  it('does not retry a non-retryable error from the store', async () => {
    const store = failingPuts(new MemoryStore(), () => new ValidationError('bad key', 'key'));
    await expect(casUpdate<Counter>(store, 'k', () => ({ n: 1 }))).rejects.toBeInstanceOf(ValidationError);
    expect(store.puts).toBe(1);
  });
});
