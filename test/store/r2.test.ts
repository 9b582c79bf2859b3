import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors';
import { withPrefix } from '../../src/store/prefixed';
import { type R2BucketLike, R2Store } from '../../src/store/r2';
import { runStoreConformance } from '../conformance/store.case';

/**
 * A worker that drives `R2Store` over its own `env.STATE` binding, so the adapter is exercised inside workerd and
 * not only through miniflare's Node proxy. Each request is one store operation; errors come back by class name.
 */
const WORKER_SOURCE = `
import { R2Store } from '../../src/store/r2';
export default {
  async fetch(request, env) {
    const store = new R2Store(env.STATE);
    const { op, key, body, prefix, ifMatch, ifNoneMatch } = await request.json();
    try {
      if (op === 'put') return Response.json({ ok: await store.put(key, body, { ifMatch, ifNoneMatch }) });
      if (op === 'get') return Response.json({ ok: await store.get(key) });
      if (op === 'delete') return Response.json({ ok: await store.delete(key, { ifMatch }) ?? null });
      if (op === 'list') return Response.json({ ok: await store.list(prefix) });
      return Response.json({ error: 'unknown op' }, { status: 400 });
    } catch (error) {
      return Response.json({ error: error.name, message: error.message }, { status: 409 });
    }
  },
};
`;

let mf: Miniflare;
let bucket: R2BucketLike;

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: WORKER_SOURCE,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
  });
  mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    r2Buckets: ['STATE'],
    r2Persist: false,
  });
  bucket = (await mf.getR2Bucket('STATE')) as unknown as R2BucketLike;
});

afterAll(async () => {
  await mf?.dispose();
});

// Each case gets a fresh, empty slice of the one bucket.
runStoreConformance('R2Store on a miniflare R2 bucket (via the Node proxy)', () =>
  withPrefix(new R2Store(bucket), `conformance-${crypto.randomUUID()}`),
);

describe('R2Store inside workerd', () => {
  const call = async (operation: Record<string, unknown>) => {
    const response = await mf.dispatchFetch('http://worker/', {
      method: 'POST',
      body: JSON.stringify(operation),
    });
    return (await response.json()) as { ok?: unknown; error?: string };
  };

  it('refuses a second create-only put and a stale ifMatch with PreconditionFailedError, and lists in order', async () => {
    const first = (await call({ op: 'put', key: 'in-worker/b', body: 'one', ifNoneMatch: '*' })) as {
      ok: { etag: string };
    };
    expect(first.ok.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await call({ op: 'put', key: 'in-worker/b', body: 'two', ifNoneMatch: '*' })).toMatchObject({
      error: 'PreconditionFailedError',
    });

    const second = (await call({ op: 'put', key: 'in-worker/b', body: 'three', ifMatch: first.ok.etag })) as {
      ok: { etag: string };
    };
    expect(await call({ op: 'put', key: 'in-worker/b', body: 'four', ifMatch: first.ok.etag })).toMatchObject(
      {
        error: 'PreconditionFailedError',
      },
    );
    expect(await call({ op: 'delete', key: 'in-worker/b', ifMatch: first.ok.etag })).toMatchObject({
      error: 'PreconditionFailedError',
    });
    expect(await call({ op: 'get', key: 'in-worker/b' })).toEqual({
      ok: { body: 'three', etag: second.ok.etag },
    });

    await call({ op: 'put', key: 'in-worker/a', body: 'x' });
    await call({ op: 'put', key: 'in-worker/B', body: 'x' });
    const listed = (await call({ op: 'list', prefix: 'in-worker/' })) as { ok: { keys: { key: string }[] } };
    expect(listed.ok.keys.map((entry) => entry.key)).toEqual(['in-worker/B', 'in-worker/a', 'in-worker/b']);

    // The worker and Node see one bucket: what the worker wrote is what the proxy reads.
    expect(await new R2Store(bucket).get('in-worker/b')).toEqual({ body: 'three', etag: second.ok.etag });
  });
});

describe('R2Store error translation', () => {
  it('turns a failing binding call into a prefixed StoreUnavailableError that keeps the cause', async () => {
    const outage = new Error('R2 internal error (10001)');
    const failing = {
      get: () => Promise.reject(outage),
      put: () => Promise.reject(outage),
    } as unknown as R2BucketLike;
    const store = new R2Store(failing);
    for (const attempt of [store.get('k'), store.put('k', 'v')]) {
      const error = await attempt.catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/^\[orchestrator\] \[state:r2\] (get|put) failed$/);
      expect((error as Error).cause).toBe(outage);
    }
  });
});
