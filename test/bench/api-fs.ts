/**
 * In-process API latency on the fs store (the local default), beside the raw cost of that store's own get and
 * conditional put measured in the same run: the ratio says how much the orchestrator adds per request. Beside the
 * timings, the store calls each request makes (exact counts, through a counting wrapper): reads per heartbeat and
 * per GET are what a cloud store bills, and the round trips of a GET are what its latency is made of.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs/adapter';
import type { DeleteOptions, ListOptions, ObjectStore, PutOptions } from '../../src/store/port';
import { makeApp, reportReady } from '../support/app-harness';
import { type LatencyResult, measure } from './measure';

/** Store calls of one request, averaged over many; `round_trips` counts calls that waited for another. */
export interface RequestStoreCost {
  request: string;
  reads: number;
  writes: number;
  lists: number;
  /** Sequential waits on the store: calls started after an earlier call of the request had answered. */
  round_trips: number;
}

/** Counts gets, puts/deletes and listings, and how many times a call started after another had answered. */
class CallCounter implements ObjectStore {
  readonly kind: string;
  readonly atomicConditionalDelete: boolean;
  counts = { reads: 0, writes: 0, lists: 0, round_trips: 0 };
  private inFlight = 0;
  private answeredSinceLastStart = true;

  constructor(private readonly inner: ObjectStore) {
    this.kind = inner.kind;
    this.atomicConditionalDelete = inner.atomicConditionalDelete;
  }

  reset() {
    this.counts = { reads: 0, writes: 0, lists: 0, round_trips: 0 };
    this.answeredSinceLastStart = true;
  }

  private async call<T>(kind: 'reads' | 'writes' | 'lists', run: () => Promise<T>): Promise<T> {
    this.counts[kind]++;
    // A call started while none is in flight, after one answered, is a new round trip; calls started together
    // (Promise.all) share one.
    if (this.inFlight === 0 && this.answeredSinceLastStart) this.counts.round_trips++;
    this.answeredSinceLastStart = false;
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
      this.answeredSinceLastStart = true;
    }
  }

  get(key: string) {
    return this.call('reads', () => this.inner.get(key));
  }
  put(key: string, body: string, options?: PutOptions) {
    return this.call('writes', () => this.inner.put(key, body, options));
  }
  delete(key: string, options?: DeleteOptions) {
    return this.call('writes', () => this.inner.delete(key, options));
  }
  list(prefix: string, options?: ListOptions) {
    return this.call('lists', () => this.inner.list(prefix, options));
  }
}

const COST_SAMPLES = 200;

export async function benchApiOnFs(): Promise<{
  results: LatencyResult[];
  ratios: Record<string, number>;
  store_calls_per_request: RequestStoreCost[];
}> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-fs-'));
  try {
    const store = new FsStore(join(dir, 'state'));
    const counter = new CallCounter(store);
    const h = await makeApp({ store: counter });
    const created = await h.call('POST', '/workers', { body: { name: 'bench' } });
    const key = created.json.api_key as string;
    await reportReady(h, 'bench', key);

    const rawKey = 'bench/raw.json';
    let etag = (await store.put(rawKey, JSON.stringify({ n: 0 }))).etag;
    const results: LatencyResult[] = [
      await measure('store.get (fs)', () => store.get(rawKey)),
      await measure('store.put ifMatch (fs)', async (i) => {
        etag = (await store.put(rawKey, JSON.stringify({ n: i }), { ifMatch: etag })).etag;
      }),
      await measure('GET /workers/{name}', () => h.call('GET', '/workers/bench')),
      await measure('POST /workers/{name}/ready (heartbeat)', () => reportReady(h, 'bench', key)),
      await measure(
        'POST /workers + DELETE',
        async (i) => {
          const name = `c${i < 0 ? `w${-i}` : i}`;
          await h.call('POST', '/workers', { body: { name } });
          await h.call('DELETE', `/workers/${name}`);
        },
        { runs: 100, warmup: 5 },
      ),
    ];
    const get = results[0]!.p50_ms;
    const put = results[1]!.p50_ms;
    const costOf = async (request: string, call: () => Promise<unknown>): Promise<RequestStoreCost> => {
      counter.reset();
      for (let i = 0; i < COST_SAMPLES; i++) await call();
      const per = (n: number) => Math.round((n / COST_SAMPLES) * 100) / 100;
      const { reads, writes, lists, round_trips } = counter.counts;
      return {
        request,
        reads: per(reads),
        writes: per(writes),
        lists: per(lists),
        round_trips: per(round_trips),
      };
    };
    const store_calls_per_request = [
      await costOf('POST /workers/{name}/ready (heartbeat)', () => reportReady(h, 'bench', key)),
      await costOf('GET /workers/{name}', () => h.call('GET', '/workers/bench')),
      await costOf('GET /workers?limit=1', () => h.call('GET', '/workers?limit=1')),
    ];
    return {
      results,
      store_calls_per_request,
      ratios: {
        'GET worker ÷ raw get (p50)': Math.round((results[2]!.p50_ms / get) * 10) / 10,
        'heartbeat ÷ raw get (p50)': Math.round((results[3]!.p50_ms / get) * 10) / 10,
        'create+delete ÷ raw put (p50)': Math.round((results[4]!.p50_ms / put) * 10) / 10,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
