/**
 * What the OSS store asks of the bucket before trusting it, through the real `ali-oss` client against the
 * protocol-level OSS fake: V4 signatures (the fake refuses V1, as OSS does for accounts and buckets created
 * since 2025), and a bucket that never had versioning (on a versioned one OSS ignores `x-oss-forbid-overwrite`,
 * which the store's compare-and-swap rests on).
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, StoreUnavailableError } from '../../../src/errors';
import { aliyunLifecycle } from '../../../src/platforms/aliyun';
import { OssStore, type OssStoreOptions } from '../../../src/store/oss';
import { FakeOssServer } from '../../support/fakes/oss';

const ACCESS_KEY = 'LTAIversioningTest01';
const SECRET = 'versioning-test-secret';
const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 };

const server = new FakeOssServer({ credentials: { [ACCESS_KEY]: SECRET }, region: 'cn-shanghai' });
let endpoint = '';
beforeAll(async () => {
  endpoint = await server.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.versioning = 'Off';
});

const makeStore = (extra: Partial<OssStoreOptions> = {}) =>
  new OssStore({
    bucket: 'state-bucket',
    region: 'oss-cn-shanghai',
    endpoint,
    credentials: { accessKeyId: ACCESS_KEY, accessKeySecret: SECRET },
    prefix: `p-${crypto.randomUUID().slice(0, 8)}/`,
    retry: FAST_RETRY,
    ...extra,
  });

/** ali-oss itself, configured as the caller likes: to show what the fake refuses. */
const rawClient = (options: Record<string, unknown>) => {
  const OSS = createRequire(import.meta.url)('ali-oss') as new (
    o: Record<string, unknown>,
  ) => {
    put(name: string, body: Buffer, options?: Record<string, unknown>): Promise<unknown>;
    get(name: string): Promise<{ content: Buffer }>;
  };
  return new OSS({
    bucket: 'state-bucket',
    endpoint,
    secure: false,
    accessKeyId: ACCESS_KEY,
    accessKeySecret: SECRET,
    retryMax: 0,
    ...options,
  });
};

const versioningChecks = () =>
  server.requests.filter((r) => r.method === 'GET' && new URLSearchParams(r.query).has('versioning')).length;

describe('OSS V4 signing (protocol-level OSS fake)', () => {
  it('signs V4 with the region in the scope even though an endpoint is given', async () => {
    const store = makeStore();
    await store.put('k', 'v');
    expect((await store.get('k'))?.body).toBe('v');
  });

  it('the fake refuses V1 signatures, and V4 signatures scoped to another region or made with another secret', async () => {
    const put = (options: Record<string, unknown>) =>
      rawClient(options)
        .put('x', Buffer.from('x'))
        .catch((e: { status: number; code: string }) => `${e.status} ${e.code}`);
    expect(await put({ region: 'oss-cn-shanghai' })).toBe('403 AccessDenied');
    expect(await put({ region: 'oss-cn-hangzhou', authorizationV4: true })).toBe('403 SignatureDoesNotMatch');
    expect(await put({ region: 'oss-cn-shanghai', authorizationV4: true, accessKeySecret: 'nope' })).toBe(
      '403 SignatureDoesNotMatch',
    );
    expect(await put({ region: 'oss-cn-shanghai', authorizationV4: true })).not.toBeTypeOf('string');
  });

  it('refuses to start without a region, naming OSS_REGION', () => {
    expect(() => makeStore({ region: undefined })).toThrow(/OSS_REGION/);
  });
});

describe('a versioned state bucket (protocol-level OSS fake)', () => {
  it('the fake, like OSS, ignores forbid-overwrite once versioning is on: two creators of one object both win', async () => {
    const client = rawClient({ region: 'oss-cn-shanghai', authorizationV4: true });
    const create = (body: string) =>
      client.put('race', Buffer.from(body), { headers: { 'x-oss-forbid-overwrite': 'true' } }).then(
        () => 'won',
        (e: { code: string }) => e.code,
      );
    expect([await create('a'), await create('b')]).toEqual(['won', 'FileAlreadyExists']);
    server.versioning = 'Enabled';
    expect([await create('c'), await create('d')]).toEqual(['won', 'won']);
  });

  it.each(['Enabled', 'Suspended'] as const)(
    'refuses every call on a bucket with versioning %s, naming the bucket and the setting, and writes nothing',
    async (state) => {
      server.versioning = state;
      const store = makeStore();
      const before = server.objects.size;
      const error = await store.put('k', 'v').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`bucket state-bucket (OSS_BUCKET) has versioning ${state}`);
      await expect(store.get('k')).rejects.toBe(error);
      await expect(store.list('')).rejects.toBe(error);
      expect(server.objects.size).toBe(before);
    },
  );

  it('checks the bucket once per store, at its first call, and not again once it passed', async () => {
    const store = makeStore();
    const before = versioningChecks();
    await store.put('a', '1');
    await store.get('a');
    await store.delete('a');
    expect(versioningChecks() - before).toBe(1);
  });

  it('a bucket found versioned stays refused without asking OSS again', async () => {
    server.versioning = 'Suspended';
    const store = makeStore();
    await expect(store.get('k')).rejects.toBeInstanceOf(ConfigError);
    const before = versioningChecks();
    await expect(store.get('k')).rejects.toBeInstanceOf(ConfigError);
    expect(versioningChecks()).toBe(before);
  });

  it('a check that could not be made is not a verdict: StoreUnavailableError now, asked again next time', async () => {
    const store = makeStore();
    server.injectFault('unavailable', FAST_RETRY.attempts, 'GET', /^$/);
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get('k')).toBeNull();
  });

  it('at cold start the Alibaba lifecycle function answers 500 misconfigured and logs which bucket and setting', async () => {
    server.versioning = 'Enabled';
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const fn = aliyunLifecycle({
        FC_REGION: 'cn-shanghai',
        OSS_BUCKET: 'state-bucket',
        OSS_ENDPOINT: endpoint,
        MANAGER_API_KEYS: 'a-manager-key-of-enough-length',
        BACKENDS: 'fake',
        ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
      });
      const res = await fn.fetch!(new Request('https://orchestrator.example.com/healthz'));
      expect(res.status).toBe(500);
      expect(res.headers.get('retry-after')).toBeNull();
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('misconfigured');
      expect(body.message).not.toContain('state-bucket');
      expect(lines.join('\n')).toContain('bucket state-bucket (OSS_BUCKET) has versioning Enabled');
    } finally {
      log.mockRestore();
    }
  });
});
