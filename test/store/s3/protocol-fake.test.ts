import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PreconditionFailedError, StoreUnavailableError } from '../../../src/errors';
import { casUpdate, readJson, type Versioned } from '../../../src/store/cas';
import { withPrefix } from '../../../src/store/prefixed';
import type { RetryPolicy } from '../../../src/store/retry';
import { S3Store, type S3StoreOptions } from '../../../src/store/s3/adapter';
import { runStoreConformance } from '../../conformance/store.case';
import { FakeS3Server } from '../../support/fakes/s3';

/**
 * The S3 adapter (SigV4-signed `fetch` requests) against a protocol-level fake of S3 (a local HTTP server
 * speaking S3's wire format and XML errors). The fake is where faults can be injected on demand; the same
 * conformance suite also runs against a real S3 implementation (Ceph RGW) in `s3.test.ts`.
 */

const BUCKET = 'state-bucket';
const ACCESS_KEY = 'AKIAFAKEACCESSKEY001';
const SECRET = 'fake-secret-never-in-errors-0123456789';
/** Short backoff so fault tests stay fast; the attempt count is what they assert on. */
const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

const server = new FakeS3Server([BUCKET]);
let endpoint = '';
let prefixes = 0;

beforeAll(async () => {
  endpoint = await server.start();
});
afterAll(() => server.close());

const makeS3 = (extra: Partial<S3StoreOptions> = {}) =>
  new S3Store({
    bucket: BUCKET,
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    retry: FAST_RETRY,
    requestTimeoutMs: 2_000,
    ...extra,
  });

runStoreConformance('S3Store against a protocol-level fake S3 server', () =>
  withPrefix(makeS3(), `conformance-${++prefixes}`),
);

interface Counter extends Versioned {
  n: number;
}

const increment = (current: Counter | null) => ({ n: (current?.n ?? 0) + 1 });

describe('S3Store fault handling against a protocol-level fake S3 server', () => {
  afterEach(() => {
    expect(server.pendingFaults()).toBe(0);
  });

  const requestsFor = (key: string, method: string) =>
    server.requests.filter((request) => request.path === `${BUCKET}/${key}` && request.method === method)
      .length;

  it('retries a put throttled with 503 SlowDown and then succeeds', async () => {
    const store = makeS3();
    server.injectFault('slowdown', 2, 'PUT');
    const { etag } = await store.put('faults/throttled.json', '{"a":1}');
    expect(await store.get('faults/throttled.json')).toEqual({ body: '{"a":1}', etag });
    expect(requestsFor('faults/throttled.json', 'PUT')).toBe(3);
  });

  it('turns persistent throttling into StoreUnavailableError (503) after a bounded number of attempts', async () => {
    const store = makeS3();
    server.injectFault('slowdown', FAST_RETRY.attempts, 'PUT');
    const error = await store.put('faults/persistent.json', 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).status).toBe(503);
    expect((error as Error).message).toMatch(/^\[orchestrator\] \[state:s3\] put faults\/persistent\.json/);
    expect((error as Error).message).toContain('SlowDown');
    expect(requestsFor('faults/persistent.json', 'PUT')).toBe(FAST_RETRY.attempts);
    // Nothing half-written: the key does not exist at all.
    expect(server.objects.has(`${BUCKET}/faults/persistent.json`)).toBe(false);
  });

  it('never puts the access key or the secret into an error', async () => {
    const store = makeS3();
    server.injectFault('internal', FAST_RETRY.attempts, 'GET');
    const error = (await store
      .get('faults/secretless.json')
      .catch((caught: unknown) => caught)) as StoreUnavailableError;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const rendered = `${error.message} ${JSON.stringify(error.toJSON())} ${String(error.stack)}`;
    expect(rendered).not.toContain(SECRET);
    expect(rendered).not.toContain(ACCESS_KEY);
  });

  it('retries 500 InternalError on a read', async () => {
    const store = makeS3();
    await store.put('faults/internal.json', 'value');
    server.injectFault('internal', 1, 'GET');
    expect((await store.get('faults/internal.json'))?.body).toBe('value');
  });

  it('retries a connection reset before the write was applied, writing the object once', async () => {
    const store = makeS3();
    server.injectFault('reset', 1, 'PUT');
    await store.put('faults/reset.json', 'after-reset', { ifNoneMatch: '*' });
    expect(server.objects.get(`${BUCKET}/faults/reset.json`)?.body.toString()).toBe('after-reset');
    expect(requestsFor('faults/reset.json', 'PUT')).toBe(2);
  });

  it('abandons a request that hangs past the client deadline and retries it', async () => {
    const store = makeS3({ requestTimeoutMs: 300 });
    await store.put('faults/hang.json', 'still-here');
    server.injectFault('hang', 1, 'GET');
    expect((await store.get('faults/hang.json'))?.body).toBe('still-here');
    expect(requestsFor('faults/hang.json', 'GET')).toBe(2);
  });

  it('recovers a casUpdate whose write was applied but whose response was lost, applying it once', async () => {
    const store = makeS3();
    server.injectFault('lost-response', 1, 'PUT');
    const created = await casUpdate<Counter>(store, 'faults/lost.json', increment);
    server.injectFault('lost-response', 1, 'PUT');
    const updated = await casUpdate<Counter>(store, 'faults/lost.json', increment);
    expect(created).toMatchObject({ changed: true, value: { n: 1 } });
    expect(updated).toMatchObject({ changed: true, value: { n: 2 } });
    expect((await readJson<Counter>(store, 'faults/lost.json'))?.value).toEqual(updated.value);
  });

  it('a conditional delete that landed but lost its response succeeds when the retry finds the key gone', async () => {
    // The bug: the first DELETE (If-Match) removed the object, the connection died before the answer, and the
    // retry got 404 NoSuchKey, which the adapter reported as a lost precondition. Callers (tombstone removal)
    // then skipped cleaning the incarnation's secrets and events although the delete had landed.
    const store = makeS3();
    const { etag } = await store.put('faults/lost-delete.json', 'v1');
    server.injectFault('lost-response', 1, 'DELETE');

    await store.delete('faults/lost-delete.json', { ifMatch: etag });

    expect(requestsFor('faults/lost-delete.json', 'DELETE')).toBe(2);
    expect(await store.get('faults/lost-delete.json')).toBeNull();
    // A first attempt that finds the key missing is still a lost precondition: that version was gone already.
    await expect(store.delete('faults/lost-delete.json', { ifMatch: etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('retries 409 ConditionalRequestConflict, and reports a lost precondition when it persists', async () => {
    const store = makeS3();
    const { etag } = await store.put('faults/conflict.json', 'v1');
    server.injectFault('conflict', 1, 'PUT');
    const next = await store.put('faults/conflict.json', 'v2', { ifMatch: etag });
    server.injectFault('conflict', FAST_RETRY.attempts, 'PUT');
    await expect(store.put('faults/conflict.json', 'v3', { ifMatch: next.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.get('faults/conflict.json'))?.body).toBe('v2');
  });

  it('retries a 409 OperationAborted on an unconditional put and then writes the object', async () => {
    const store = makeS3();
    server.injectFault('aborted', 2, 'PUT');
    const { etag } = await store.put('faults/aborted-once.json', 'written');
    expect(await store.get('faults/aborted-once.json')).toEqual({ body: 'written', etag });
    expect(requestsFor('faults/aborted-once.json', 'PUT')).toBe(3);
  });

  it('reports a persistent 409 OperationAborted on an unconditional put or delete as StoreUnavailableError, never as a lost precondition', async () => {
    const store = makeS3();
    await store.put('faults/aborted.json', 'v1');
    server.injectFault('aborted', FAST_RETRY.attempts, 'PUT');
    const putError = await store.put('faults/aborted.json', 'v2').catch((caught: unknown) => caught);
    expect(putError).toBeInstanceOf(StoreUnavailableError);
    expect((putError as Error).message).toContain('OperationAborted (HTTP 409)');
    server.injectFault('aborted', FAST_RETRY.attempts, 'DELETE');
    const deleteError = await store.delete('faults/aborted.json').catch((caught: unknown) => caught);
    expect(deleteError).toBeInstanceOf(StoreUnavailableError);
    expect(requestsFor('faults/aborted.json', 'DELETE')).toBe(FAST_RETRY.attempts);
    expect((await store.get('faults/aborted.json'))?.body).toBe('v1');
  });

  it('reports a persistent 409 OperationAborted on a conditional put as StoreUnavailableError: only the conditional codes mean a lost precondition', async () => {
    const store = makeS3();
    const { etag } = await store.put('faults/aborted-cas.json', 'v1');
    server.injectFault('aborted', FAST_RETRY.attempts, 'PUT');
    const error = await store
      .put('faults/aborted-cas.json', 'v2', { ifMatch: etag })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).not.toBeInstanceOf(PreconditionFailedError);
    expect(await store.put('faults/aborted-cas.json', 'v2', { ifMatch: etag })).toBeDefined();
  });

  it('does not report a ConditionalRequestConflict answered to a put that sent no precondition as a lost precondition', async () => {
    const store = makeS3();
    server.injectFault('conflict', FAST_RETRY.attempts, 'PUT');
    const error = await store.put('faults/odd-conflict.json', 'v').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(server.objects.has(`${BUCKET}/faults/odd-conflict.json`)).toBe(false);
  });

  it('writes a 0-byte object with a known length and warns about nothing (the AWS SDK logged "Stream of unknown length")', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      const store = makeS3();
      const { etag } = await store.put('faults/empty.json', '', { ifNoneMatch: '*' });
      expect(await store.get('faults/empty.json')).toEqual({ body: '', etag });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('sends keys that need escaping and reads them back from a listing unescaped', async () => {
    const store = makeS3();
    const key = 'odd/a b+c&d<e>ü.json';
    await store.put(key, 'x');
    expect(await store.get(key)).toMatchObject({ body: 'x' });
    expect((await store.list('odd/')).keys.map((entry) => entry.key)).toEqual([key]);
  });

  it('exposes ETags without quotes and accepts them back as ifMatch', async () => {
    const store = makeS3();
    const { etag } = await store.put('faults/etag.json', 'quoted?');
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    await expect(store.put('faults/etag.json', 'next', { ifMatch: etag })).resolves.toBeDefined();
  });
});

describe('S3Store conditional delete emulation against a protocol-level fake S3 that rejects If-Match on DELETE', () => {
  const strict = new FakeS3Server([BUCKET], { rejectConditionalDelete: true });
  let strictEndpoint = '';
  beforeAll(async () => {
    strictEndpoint = await strict.start();
  });
  afterAll(() => strict.close());

  it('falls back to HEAD-and-compare: a stale etag is refused and the current one deletes', async () => {
    const store = makeS3({ endpoint: strictEndpoint });
    const first = await store.put('beats/w', 'one');
    const second = await store.put('beats/w', 'two');
    await expect(store.delete('beats/w', { ifMatch: first.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.get('beats/w'))?.body).toBe('two');
    await store.delete('beats/w', { ifMatch: second.etag });
    expect(await store.get('beats/w')).toBeNull();
    await expect(store.delete('beats/w', { ifMatch: second.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });
});
