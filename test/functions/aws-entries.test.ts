/**
 * The three AWS Lambda entries, invoked in process with real-shaped events: API Gateway HTTP API payload v2 for
 * lifecycle and credentials, an EventBridge scheduled event for the sweeper. State is on a protocol-level fake of
 * S3 and credentials come from a protocol-level fake of AWS STS (local HTTP servers, real AWS SDK clients); the
 * workers run on the `fake` backend, allowed because BACKENDS names it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeAwsSts, startFakeAwsSts } from '../support/fakes/aws-sts';
import { FakeS3Server } from '../support/fakes/s3';
import { type Call, createReadyWorker, lifecycleSlice, MANAGER_KEY, parseResult } from './api-slice';

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

const ROLE_ARN = 'arn:aws:iam::123456789012:role/worker-data';
const DOMAIN = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
const lambdaContext = () => ({
  awsRequestId: randomUUID(),
  functionName: 'worker-orchestrator-dev-lifecycle',
  getRemainingTimeInMillis: () => 29_000,
});

/** An API Gateway HTTP API (payload format 2.0) event, as the gateway builds it. */
function httpApiEvent(method: string, path: string, headers: Record<string, string>, body?: string) {
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  const base64 = body !== undefined && body.length % 2 === 0; // exercise both body encodings
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath.replace(/^\/workers\/[^/]+/, '/workers/{name}')}`,
    rawPath,
    rawQueryString,
    headers: { host: DOMAIN, 'user-agent': 'curl/8.5.0', 'x-forwarded-proto': 'https', ...headers },
    queryStringParameters: rawQueryString
      ? Object.fromEntries(new URLSearchParams(rawQueryString))
      : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: DOMAIN,
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: body === undefined ? undefined : base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

/** EventBridge's scheduled event for `rate(1 minute)`. */
const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [
    'arn:aws:events:us-east-1:123456789012:rule/worker-orchestrator-dev-SweeperEventsRuleSchedule1',
  ],
  detail: {},
});

let s3: FakeS3Server;
let sts: FakeAwsSts;
const handlers = {} as Record<'lifecycle' | 'credentials' | 'sweeper', Handler>;

const call: Call = async (fn, method, path, options = {}) => {
  const key = options.key === undefined ? MANAGER_KEY : options.key;
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return parseResult(await handlers[fn](httpApiEvent(method, path, headers, body), lambdaContext()));
};

beforeAll(async () => {
  s3 = new FakeS3Server(['orchestrator-state']);
  const s3Url = await s3.start();
  sts = await startFakeAwsSts({ keys: { AKIAFUNCTIONROLE0001: { secret: 'function-role-secret' } } });
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFUNCTIONROLE0001',
    AWS_SECRET_ACCESS_KEY: 'function-role-secret',
    STATE_STORE: 's3',
    S3_BUCKET: 'orchestrator-state',
    S3_ENDPOINT: s3Url,
    STATE_PREFIX: 'orchestrator/',
    BACKENDS: 'fake',
    DEFAULT_IMAGE: 'registry.example.com/agents/worker:1',
    MANAGER_API_KEYS: MANAGER_KEY,
    STS_PROVIDER: 'aws',
    STS_ROLE_ARN: ROLE_ARN,
    STS_ENDPOINT: sts.url,
    FUNCTION_TIMEOUT_SECONDS: '29',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  handlers.lifecycle = (await import('../../functions/aws/lifecycle')).handler as Handler;
  handlers.credentials = (await import('../../functions/aws/credentials')).handler as Handler;
  handlers.sweeper = (await import('../../functions/aws/sweeper')).handler as Handler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.close();
  await sts?.close();
});

describe('AWS Lambda entries with API Gateway v2 and EventBridge events (S3 and STS as protocol-level fakes)', () => {
  it('the lifecycle entry creates, gets, lists, takes the ready report of and deletes a worker', async () => {
    await lifecycleSlice(call, 'alice');
    // The state really is in the bucket, under the state prefix.
    expect(
      [...s3.objects.keys()].some((k) => k.startsWith('orchestrator-state/orchestrator/workers/alice')),
    ).toBe(true);
  });

  it('the credentials entry issues the calling worker credentials scoped to its own prefix', async () => {
    const key = await createReadyWorker(call, 'bob');
    const res = await call('credentials', 'POST', '/credentials/sts', { key });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ provider: 'aws', bucket: 'orchestrator-state' });
    expect(res.json.prefixes).toEqual(['agents/bob/', 'shared/']);
    const assumed = sts.calls.at(-1)!;
    expect(assumed.params.RoleArn).toBe(ROLE_ARN);
    expect(assumed.params.Policy).toContain('agents/bob/');
    expect(assumed.accessKeyId).toBe('AKIAFUNCTIONROLE0001');
  });

  it('the credentials entry serves no manager route and the lifecycle entry no /credentials/sts', async () => {
    const key = await createReadyWorker(call, 'carol');
    expect((await call('credentials', 'GET', '/workers')).status).toBe(404);
    expect((await call('credentials', 'POST', '/workers', { body: { name: 'mallory' } })).status).toBe(404);
    expect((await call('lifecycle', 'POST', '/credentials/sts', { key })).status).toBe(404);
    expect((await call('credentials', 'POST', '/credentials/sts', { key: MANAGER_KEY })).status).toBe(403);
  });

  it('every HTTP entry reports healthz with the s3 store and auth on', async () => {
    for (const fn of ['lifecycle', 'credentials'] as const) {
      const health = await call(fn, 'GET', '/healthz', { key: null });
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ ok: true, auth: 'keys', store: { kind: 's3', ok: true } });
    }
  });

  it('the sweeper entry runs a sweep on an EventBridge scheduled event and deletes an expired worker', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    await createReadyWorker(call, 'dave', { expires_at: expiresAt });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = (await handlers.sweeper(scheduledEvent(), lambdaContext())) as Record<string, unknown>;
    expect(report).toMatchObject({ ran: true, errors: 0 });
    expect(report.deleted).toBe(1);
    expect((await call('lifecycle', 'GET', '/workers/dave')).status).toBe(404);
  });
});
