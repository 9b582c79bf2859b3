/**
 * In-process API latency on the fs store (the local default), beside the raw cost of that store's own get and
 * conditional put measured in the same run: the ratio says how much the orchestrator adds per request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs/adapter';
import { makeApp, reportReady } from '../support/app-harness';
import { type LatencyResult, measure } from './measure';

export async function benchApiOnFs(): Promise<{ results: LatencyResult[]; ratios: Record<string, number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-fs-'));
  try {
    const store = new FsStore(join(dir, 'state'));
    const h = await makeApp({ store });
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
    return {
      results,
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
