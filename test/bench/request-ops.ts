/**
 * Store operations per request, counted (not timed) through the real HTTP routes on the memory store: what one
 * `GET /workers/{name}` and one heartbeat cost on average over many, including any caching between requests of
 * one instance. The sweeper bench counts the heartbeat's writes over an hour; this adds the reads per GET.
 */

import { MemoryStore } from '../../src/store/memory';
import type { ObjectStore } from '../../src/store/port';
import { makeApp, reportReady } from '../support/app-harness';

interface Counts {
  get: number;
  put: number;
  delete: number;
  list: number;
}

function counting(store: ObjectStore): { store: ObjectStore; counts: Counts; reset(): void } {
  const counts: Counts = { get: 0, put: 0, delete: 0, list: 0 };
  const count = <T>(kind: keyof Counts, call: () => Promise<T>): Promise<T> => {
    counts[kind]++;
    return call();
  };
  const wrapped: ObjectStore = {
    kind: store.kind,
    atomicConditionalDelete: store.atomicConditionalDelete,
    get: (key) => count('get', () => store.get(key)),
    put: (key, body, options) => count('put', () => store.put(key, body, options)),
    delete: (key, options) => count('delete', () => store.delete(key, options)),
    list: (prefix, options) => count('list', () => store.list(prefix, options)),
  };
  return {
    store: wrapped,
    counts,
    reset: () => Object.assign(counts, { get: 0, put: 0, delete: 0, list: 0 }),
  };
}

const REQUESTS = 200;

export interface RequestOps {
  requests: number;
  get_worker: { reads: number; writes: number; lists: number };
  heartbeat: { reads: number; writes: number; lists: number };
}

export async function benchRequestOps(): Promise<RequestOps> {
  const counted = counting(new MemoryStore());
  const h = await makeApp({ store: counted.store });
  const created = await h.call('POST', '/workers', { body: { name: 'ops' } });
  const key = created.json.api_key as string;
  await reportReady(h, 'ops', key);
  const per = (n: number) => Math.round((n / REQUESTS) * 100) / 100;
  const measure = async (request: () => Promise<unknown>) => {
    counted.reset();
    for (let i = 0; i < REQUESTS; i++) await request();
    const c = counted.counts;
    return { reads: per(c.get), writes: per(c.put + c.delete), lists: per(c.list) };
  };
  const getWorker = await measure(() => h.call('GET', '/workers/ops'));
  const heartbeat = await measure(() => reportReady(h, 'ops', key));
  return { requests: REQUESTS, get_worker: getWorker, heartbeat };
}
