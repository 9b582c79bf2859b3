/**
 * The three Alibaba Cloud FC 3.0 entries, invoked in process as FC's built-in Node.js runtime invokes them: a
 * Buffer holding an HTTP-trigger event (or a timer event) plus a context carrying the function role's fresh
 * credentials. State is on a protocol-level fake of OSS (real ali-oss) and credentials come from a
 * protocol-level fake of Alibaba STS (real @alicloud/sts20150401, signatures checked); workers run on `fake`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeAliyunSts, startFakeAliyunSts } from '../support/fakes/aliyun-sts';
import { FakeOssServer } from '../support/fakes/oss';
import { type Call, createReadyWorker, lifecycleSlice, MANAGER_KEY, parseResult } from './api-slice';

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

const ROLE_ARN = 'acs:ram::1234567890123456:role/worker-data';
/** What FC puts in each invocation's context: the function role's current STS credentials. */
const ROLE_CREDENTIALS = {
  accessKeyId: 'STS.fn-role-current',
  accessKeySecret: 'fn-secret',
  securityToken: 'fn-token',
};
const DOMAIN = 'lifecycle-abcdefghij.cn-hangzhou.fcapp.run';

const fcContext = () => ({
  requestId: `1-${randomUUID()}`,
  credentials: ROLE_CREDENTIALS,
  function: { name: 'worker-orchestrator-lifecycle', handler: 'index.handler', memory: 512, timeout: 30 },
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
});

/** FC 3.0's HTTP-trigger event (built-in runtimes), as the handler receives it: JSON in a Buffer. */
function httpTriggerEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Buffer {
  const [rawPath, query = ''] = path.split('?') as [string, string?];
  const binary = body !== undefined && body.length % 2 === 1; // exercise both body encodings
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath,
      body: body === undefined ? '' : binary ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: binary,
      headers: { Host: DOMAIN, 'User-Agent': 'curl/8.5.0', ...headers },
      queryParameters: Object.fromEntries(new URLSearchParams(query)),
      requestContext: {
        accountId: '1234567890123456',
        domainName: DOMAIN,
        domainPrefix: 'lifecycle-abcdefghij',
        http: {
          method,
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
          userAgent: 'curl/8.5.0',
        },
        requestId: `1-${randomUUID()}`,
        time: new Date().toISOString(),
        timeEpoch: String(Date.now()),
      },
    }),
  );
}

/** FC's timer-trigger event: `payload` is the configured string, not parsed JSON. */
const timerEvent = () =>
  Buffer.from(
    JSON.stringify({
      triggerTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      triggerName: 'every-minute',
      payload: '{"kind":"sweep"}',
    }),
  );

let oss: FakeOssServer;
let sts: FakeAliyunSts;
const handlers = {} as Record<'lifecycle' | 'credentials' | 'sweeper', Handler>;

const call: Call = async (fn, method, path, options = {}) => {
  const key = options.key === undefined ? MANAGER_KEY : options.key;
  const headers: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return parseResult(await handlers[fn](httpTriggerEvent(method, path, headers, body), fcContext()));
};

beforeAll(async () => {
  // FC's start-time credentials are valid too (FC hands out live ones): OSS accepts both key pairs' V4 signatures.
  oss = new FakeOssServer({
    credentials: { 'STS.fn-role-at-start': 'stale-secret', [ROLE_CREDENTIALS.accessKeyId]: 'fn-secret' },
  });
  const ossUrl = await oss.start();
  sts = await startFakeAliyunSts({
    keys: { [ROLE_CREDENTIALS.accessKeyId]: { secret: 'fn-secret', securityToken: 'fn-token' } },
  });
  const env: Record<string, string> = {
    // What FC sets at instance start; deliberately a key STS does not know, so only the fresh context works.
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.fn-role-at-start',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'stale-secret',
    ALIBABA_CLOUD_SECURITY_TOKEN: 'stale-token',
    FC_REGION: 'cn-hangzhou',
    STATE_STORE: 'oss',
    OSS_BUCKET: 'orchestrator-state',
    OSS_ENDPOINT: ossUrl,
    STATE_PREFIX: 'orchestrator/',
    BACKENDS: 'fake',
    DEFAULT_IMAGE: 'registry.example.com/agents/worker:1',
    MANAGER_API_KEYS: MANAGER_KEY,
    STS_PROVIDER: 'aliyun',
    STS_ROLE_ARN: ROLE_ARN,
    STS_ENDPOINT: sts.url,
    FUNCTION_TIMEOUT_SECONDS: '30',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  handlers.lifecycle = (await import('../../functions/aliyun/lifecycle')).handler as Handler;
  handlers.credentials = (await import('../../functions/aliyun/credentials')).handler as Handler;
  handlers.sweeper = (await import('../../functions/aliyun/sweeper')).handler as Handler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await oss?.close();
  await sts?.close();
});

describe('Alibaba FC 3.0 entries with HTTP-trigger and timer events (OSS and STS as protocol-level fakes)', () => {
  it('the lifecycle entry creates, gets, lists, takes the ready report of and deletes a worker', async () => {
    await lifecycleSlice(call, 'alice');
    expect([...oss.objects.keys()].some((k) => k.startsWith('orchestrator/workers/alice.json!v/'))).toBe(
      true,
    );
  });

  it("the credentials entry signs AssumeRole with the invocation context's fresh role credentials", async () => {
    const key = await createReadyWorker(call, 'bob');
    const res = await call('credentials', 'POST', '/credentials/sts', { key });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ provider: 'aliyun', oss_bucket: 'orchestrator-state' });
    expect(res.json.prefixes).toEqual(['agents/bob/', 'shared/']);
    const assumed = sts.calls.at(-1)!;
    expect(assumed.params.RoleArn).toBe(ROLE_ARN);
    expect(assumed.params.Policy).toContain('orchestrator-state/agents/bob/');
    expect(assumed.accessKeyId).toBe(ROLE_CREDENTIALS.accessKeyId);
  });

  it('the credentials entry serves no manager route and the lifecycle entry no /credentials/sts', async () => {
    const key = await createReadyWorker(call, 'carol');
    expect((await call('credentials', 'GET', '/workers')).status).toBe(404);
    expect((await call('lifecycle', 'POST', '/credentials/sts', { key })).status).toBe(404);
  });

  it('every HTTP entry reports healthz with the oss store and auth on', async () => {
    for (const fn of ['lifecycle', 'credentials'] as const) {
      const health = await call(fn, 'GET', '/healthz', { key: null });
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ ok: true, auth: 'keys', store: { kind: 'oss', ok: true } });
    }
  });

  it('the sweeper entry runs a sweep on a timer event and deletes an expired worker', async () => {
    await createReadyWorker(call, 'dave', { expires_at: new Date(Date.now() + 1500).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = (await handlers.sweeper(timerEvent(), fcContext())) as Record<string, unknown>;
    expect(report).toMatchObject({ ran: true, errors: 0, deleted: 1 });
    expect((await call('lifecycle', 'GET', '/workers/dave')).status).toBe(404);
  });

  it('the sweeper entry answers an HTTP event 404 and the lifecycle entry refuses a timer event', async () => {
    const res = parseResult(await handlers.sweeper(httpTriggerEvent('GET', '/workers', {}), fcContext()));
    expect(res.status).toBe(404);
    await expect(handlers.lifecycle(timerEvent(), fcContext())).rejects.toThrow(/no timer trigger/);
  });
});
