import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  OrchestratorError,
  PreconditionFailedError,
  StoreUnavailableError,
  ValidationError,
} from '../../../src/errors';
import { casUpdate, readJson, type Versioned } from '../../../src/store/cas';
import { OssStore, type OssStoreOptions } from '../../../src/store/oss/adapter';
import { headName, PRUNE_AGE_MS, versionName } from '../../../src/store/oss/versions';
import type { RetryPolicy } from '../../../src/store/retry';
import { runStoreConformance } from '../../conformance/store.case';
import { FakeOssServer } from '../../support/fakes/oss';

/**
 * The OSS adapter through the real `ali-oss` client against a protocol-level fake of OSS (a local HTTP server
 * speaking OSS's wire format: create-only PUT via `x-oss-forbid-overwrite`, 400 `NotImplemented` for `If-Match`
 * on PUT, ListObjectsV2 XML). No real OSS is reachable here, so the adapter stays experimental until the same
 * suite has passed against it.
 */

const ACCESS_KEY = 'LTAIfakeAccessKeyId01';
const SECRET = 'fake-oss-secret-never-in-errors-42';
const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

const server = new FakeOssServer({ credentials: { [ACCESS_KEY]: SECRET } });
let endpoint = '';
let prefixes = 0;

beforeAll(async () => {
  endpoint = await server.start();
});
afterAll(() => server.close());

const makeOss = (extra: Partial<OssStoreOptions> = {}) =>
  new OssStore({
    bucket: 'state-bucket',
    region: 'oss-cn-hangzhou',
    endpoint,
    credentials: { accessKeyId: ACCESS_KEY, accessKeySecret: SECRET },
    prefix: `t-${++prefixes}/`,
    retry: FAST_RETRY,
    requestTimeoutMs: 2_000,
    ...extra,
  });

runStoreConformance('OssStore (versioned keys) against a protocol-level fake OSS server', () => makeOss());

interface Counter extends Versioned {
  n: number;
}
const increment = (current: Counter | null) => ({ n: (current?.n ?? 0) + 1 });

/** Names of the version objects stored for `key` under `root`, by seq. */
const storedSeqs = (root: string, key: string) =>
  [...server.objects.keys()]
    .filter((name) => name.startsWith(`${root}${key}!v/`))
    .map((name) => Number(name.slice(-16)))
    .sort((a, b) => a - b);

describe('OssStore fault handling against a protocol-level fake OSS server', () => {
  afterEach(() => {
    expect(server.pendingFaults()).toBe(0);
  });

  it('retries a create throttled with 503 and then succeeds', async () => {
    const store = makeOss({ prefix: 'f-503/' });
    server.injectFault('unavailable', 2, 'PUT');
    const { etag } = await store.put('k', 'v');
    expect(await store.get('k')).toEqual({ body: 'v', etag });
  });

  it('turns persistent 503s into StoreUnavailableError and writes no version', async () => {
    const store = makeOss({ prefix: 'f-down/' });
    server.injectFault('unavailable', FAST_RETRY.attempts, 'PUT');
    const error = await store.put('k', 'v').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(
      /^\[orchestrator\] \[state:oss\] create f-down\/k!v\/0+1 failed after 4/,
    );
    expect(storedSeqs('f-down/', 'k')).toEqual([]);
  });

  it('never puts the access key or the secret into an error', async () => {
    const store = makeOss({ prefix: 'f-secret/' });
    server.injectFault('internal', FAST_RETRY.attempts, 'GET');
    const error = (await store.get('k').catch((caught: unknown) => caught)) as StoreUnavailableError;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const rendered = `${error.message} ${JSON.stringify(error.toJSON())} ${String(error.stack)}`;
    expect(rendered).not.toContain(SECRET);
    expect(rendered).not.toContain(ACCESS_KEY);
  });

  it('retries 500 on a read and a connection reset on a create', async () => {
    const store = makeOss({ prefix: 'f-reset/' });
    server.injectFault('reset', 1, 'PUT');
    await store.put('k', 'after-reset', { ifNoneMatch: '*' });
    server.injectFault('internal', 1, 'GET');
    expect((await store.get('k'))?.body).toBe('after-reset');
    expect(storedSeqs('f-reset/', 'k')).toEqual([1]);
  });

  it('abandons a request that hangs past the client timeout and retries it', async () => {
    const store = makeOss({ prefix: 'f-hang/', requestTimeoutMs: 300 });
    await store.put('k', 'still-here');
    server.injectFault('hang', 1, 'HEAD');
    expect((await makeOss({ prefix: 'f-hang/', requestTimeoutMs: 300 }).get('k'))?.body).toBe('still-here');
  });

  it('recovers a casUpdate whose version was created but whose response was lost, applying it once', async () => {
    const store = makeOss({ prefix: 'f-lost/' });
    server.injectFault('lost-response', 1, 'PUT', /!v\//);
    const created = await casUpdate<Counter>(store, 'c', increment);
    server.injectFault('lost-response', 1, 'PUT', /!v\//);
    const updated = await casUpdate<Counter>(store, 'c', increment);
    expect(created).toMatchObject({ changed: true, value: { n: 1 } });
    expect(updated).toMatchObject({ changed: true, value: { n: 2 } });
    expect((await readJson<Counter>(store, 'c'))?.value).toEqual(updated.value);
    expect(storedSeqs('f-lost/', 'c')).toEqual([1, 2]);
  });

  it('reports a 409 other than FileAlreadyExists on a version create as a store error, not as a lost create race', async () => {
    const store = makeOss({ prefix: 'f-409/' });
    await store.put('k', 'v1');
    const creates = () =>
      server.requests.filter((request) => request.method === 'PUT' && request.name.startsWith('f-409/k!v/'))
        .length;
    const before = creates();
    for (const write of [
      () => store.put('k', 'v2'),
      () => store.put('k', 'v2', { ifMatch: '1' }),
      () => store.delete('k'),
    ]) {
      server.injectFault('immutable', 1, 'PUT', /!v\//);
      const error = await write().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OrchestratorError);
      expect(error).not.toBeInstanceOf(PreconditionFailedError);
      expect((error as Error).message).toContain('FileImmutable (HTTP 409)');
    }
    // One request per write: no retries and no "create the next seq" races on a 409 that is not a taken key.
    expect(creates() - before).toBe(3);
    expect(await store.get('k')).toEqual({ body: 'v1', etag: '1' });
  });
});

describe('OssStore versioned keys against a protocol-level fake OSS server', () => {
  it('overtakes a lagging head pointer by HEAD probing and builds on the real newest version', async () => {
    const writer = makeOss({ prefix: 'lag/' });
    for (const body of ['v1', 'v2', 'v3']) await writer.put('k', body);
    server.setObject(headName('lag/', 'k'), '1'); // the head lags two versions behind
    const reader = makeOss({ prefix: 'lag/' });
    expect(await reader.get('k')).toEqual({ body: 'v3', etag: '3' });
    expect(await reader.put('k', 'v4', { ifMatch: '3' })).toEqual({ etag: '4' });
    await expect(reader.put('k', 'v4-again', { ifMatch: '3' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('still succeeds and stays readable when the head pointer write fails', async () => {
    const store = makeOss({ prefix: 'headless/' });
    await store.put('k', 'v1');
    server.injectFault('unavailable', FAST_RETRY.attempts, 'PUT', /!head\//);
    expect(await store.put('k', 'v2')).toEqual({ etag: '2' });
    expect(server.objects.get(headName('headless/', 'k'))?.body.toString()).toBe('1');
    expect(await makeOss({ prefix: 'headless/' }).get('k')).toEqual({ body: 'v2', etag: '2' });
  });

  it('reads again when the head names a pruned version, instead of reporting the key absent', async () => {
    const store = makeOss({ prefix: 'pruned-head/' });
    for (let i = 1; i <= 5; i++) await store.put('k', `v${i}`);
    server.setObject(headName('pruned-head/', 'k'), '2');
    for (const seq of [1, 2, 3]) server.objects.delete(versionName('pruned-head/', 'k', seq));
    expect(await makeOss({ prefix: 'pruned-head/' }).get('k')).toEqual({ body: 'v5', etag: '5' });
  });

  it('writes the head pointer before a listing prunes old versions, so a key that had none stays readable', async () => {
    const store = makeOss({ prefix: 'no-head/', now: () => Date.now() + 2 * PRUNE_AGE_MS });
    for (let i = 1; i <= 5; i++) await store.put('k', `v${i}`);
    server.objects.delete(headName('no-head/', 'k')); // as if every head write had failed
    expect((await store.list('')).keys.map((entry) => entry.key)).toEqual(['k']);
    expect(storedSeqs('no-head/', 'k')).toEqual([3, 4, 5]);
    expect(server.objects.get(headName('no-head/', 'k'))?.body.toString()).toBe('5');
    expect(await makeOss({ prefix: 'no-head/' }).get('k')).toEqual({ body: 'v5', etag: '5' });
  });

  it('prunes versions older than the prune age, keeping the newest three', async () => {
    const later = () => Date.now() + 2 * PRUNE_AGE_MS;
    const store = makeOss({ prefix: 'prune/', now: later });
    for (let i = 1; i <= 16; i++) await store.put('k', `v${i}`);
    expect(storedSeqs('prune/', 'k')).toEqual([14, 15, 16]);
    expect(await store.get('k')).toEqual({ body: 'v16', etag: '16' });
  });

  it('keeps versions younger than the prune age however many there are', async () => {
    const store = makeOss({ prefix: 'young/' });
    for (let i = 1; i <= 16; i++) await store.put('k', `v${i}`);
    expect(storedSeqs('young/', 'k')).toHaveLength(16);
  });

  it('lets a listing remove a long-deleted key entirely, after which the key reads absent and can be recreated', async () => {
    const store = makeOss({ prefix: 'dead/', now: () => Date.now() + 2 * PRUNE_AGE_MS });
    await store.put('gone', 'v1');
    await store.put('kept', 'v1');
    await store.delete('gone');
    expect((await store.list('')).keys.map((entry) => entry.key)).toEqual(['kept']);
    expect(storedSeqs('dead/', 'gone')).toEqual([]);
    const fresh = makeOss({ prefix: 'dead/' });
    expect(await fresh.get('gone')).toBeNull();
    expect(await fresh.put('gone', 'again', { ifNoneMatch: '*' })).toEqual({ etag: '3' });
  });

  it('removes dead due/ and events/ keys with their head pointers over two listings, and a dead hint key can still be re-created', async () => {
    const root = 'dead-heads/';
    const store = makeOss({ prefix: root, now: () => Date.now() + 2 * PRUNE_AGE_MS });
    const hint = 'due/000000000001/w/write-1';
    const event = 'events/w/0001-uid-1.json';
    for (const key of [hint, event, 'workers/gone.json']) {
      await store.put(key, '');
      await store.delete(key);
    }
    await store.put('workers/kept.json', '{}');
    const heads = () => [...server.objects.keys()].filter((name) => name.startsWith(`${root}!head/`)).sort();
    expect((await store.list('')).keys.map((entry) => entry.key)).toEqual(['workers/kept.json']);
    // First listing: every version but the tombstone goes; the head still guards the key.
    expect(storedSeqs(root, hint)).toEqual([2]);
    expect(heads()).toContain(headName(root, hint));
    expect((await store.list('')).keys.map((entry) => entry.key)).toEqual(['workers/kept.json']);
    for (const key of [hint, event, 'workers/gone.json']) expect(storedSeqs(root, key)).toEqual([]);
    // No head is left for write-once keys; other dead keys keep theirs so a re-create continues the sequence.
    expect(heads()).toEqual([headName(root, 'workers/gone.json'), headName(root, 'workers/kept.json')]);
    const fresh = makeOss({ prefix: root });
    expect(await fresh.get(hint)).toBeNull();
    expect(await fresh.put(hint, '', { ifNoneMatch: '*' })).toEqual({ etag: '1' });
    expect(await makeOss({ prefix: root }).get(hint)).toEqual({ body: '', etag: '1' });
    expect(await fresh.put('workers/gone.json', 'again', { ifNoneMatch: '*' })).toEqual({ etag: '3' });
  });

  it('re-reads before writing on a read older than 10 s, so a create never lands on a pruned slot', async () => {
    let clock = Date.now();
    const slow = makeOss({ prefix: 'stale/', now: () => clock });
    await slow.put('k', 'v1');
    expect((await slow.get('k'))?.etag).toBe('1');
    // Meanwhile others wrote v2..v5 and v2..v4 were pruned: slot 2 is free again, but 1 is not current.
    const other = makeOss({ prefix: 'stale/' });
    for (let i = 2; i <= 5; i++) await other.put('k', `v${i}`);
    for (const seq of [2, 3, 4]) server.objects.delete(versionName('stale/', 'k', seq));
    clock += 11_000;
    await expect(slow.put('k', 'lost update', { ifMatch: '1' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(storedSeqs('stale/', 'k')).toEqual([1, 5]);
  });

  it('never sends If-Match (OSS answers it with 400 NotImplemented): conditional writes are version creates', async () => {
    const store = makeOss({ prefix: 'no-if-match/' });
    const { etag } = await store.put('k', 'v1');
    await store.put('k', 'v2', { ifMatch: etag });
    await store.delete('k', { ifMatch: '2' });
    expect(await store.get('k')).toBeNull();
    expect(storedSeqs('no-if-match/', 'k')).toEqual([1, 2, 3]);
  });

  it('refuses to start without credentials, naming the setting', () => {
    expect(() => new OssStore({ bucket: 'state-bucket', endpoint })).toThrow(ConfigError);
  });

  it("refuses keys containing the reserved '!' separator with a ValidationError", async () => {
    const store = makeOss({ prefix: 'reserved/' });
    await expect(store.put('a!b', 'x')).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list('a b')).rejects.toBeInstanceOf(ValidationError);
  });
});
