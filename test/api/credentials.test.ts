/**
 * `POST /credentials/sts` through the HTTP API, with the real Alibaba STS SDK talking to a protocol-level fake:
 * the calling worker only, duration clamped to its lifetime, refusals with clear codes, every issuance an event,
 * and a rotated-out key honoured here only during the grace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import { AliyunStsIssuer } from '../../src/credentials/aliyun-sts';
import { type AppHarness, makeApp, reportReady } from '../support/app-harness';
import { type FakeAliyunSts, startFakeAliyunSts } from '../support/fakes/aliyun-sts';

const SIGNING = { accessKeyId: 'LTAI-api-test', accessKeySecret: 'api-test-signing-secret' };
let sts: FakeAliyunSts;

beforeAll(async () => {
  sts = await startFakeAliyunSts({ keys: { [SIGNING.accessKeyId]: { secret: SIGNING.accessKeySecret } } });
});
afterAll(async () => {
  await sts.close();
});

async function harness(settings: Parameters<typeof makeApp>[0] = {}) {
  const h = await makeApp(settings);
  const issuer = new AliyunStsIssuer({
    roleArn: 'acs:ram::1234567890123456:role/worker-data',
    bucket: 'agent-data',
    ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
    region: 'cn-hangzhou',
    stsEndpoint: sts.url,
    credentials: SIGNING,
  });
  registerCredentialRoutes(h.app.routeTable, h.service, issuer, 3600);
  return h;
}

async function readyWorker(h: Pick<AppHarness, 'call'>, name: string, body: Record<string, unknown> = {}) {
  const created = await h.call('POST', '/workers', { body: { name, ...body } });
  await reportReady(h, name, created.json.api_key);
  return created.json.api_key as string;
}

const sessionsOf = (name: string) =>
  sts.calls.filter((c) => c.params.RoleSessionName?.startsWith(`w-${name}-`));

describe('POST /credentials/sts (Alibaba SDK against a protocol-level STS fake)', () => {
  it("answers HiClaw's STSToken fields for the calling worker's own prefix and logs the issuance", async () => {
    const h = await harness();
    const key = await readyWorker(h, 'alice');
    const res = await h.call('POST', '/credentials/sts', { key });
    expect(res.status).toBe(200);
    for (const field of [
      'access_key_id',
      'access_key_secret',
      'security_token',
      'expiration',
      'expires_in_sec',
      'oss_endpoint',
      'oss_bucket',
    ]) {
      expect(res.json).toHaveProperty(field);
    }
    expect(res.json).toMatchObject({
      provider: 'aliyun',
      bucket: 'agent-data',
      prefixes: ['agents/alice/', 'shared/'],
    });
    expect(res.json.expires_in_sec).toBeGreaterThan(3500);
    expect(sessionsOf('alice').at(-1)!.params.DurationSeconds).toBe('3600');
    const events = await h.call('GET', '/workers/alice/events');
    const note = events.json.events.find((e: { reason: string }) => e.reason === 'credentials_issued');
    expect(note).toMatchObject({ actor: 'worker:alice' });
    expect(JSON.stringify(events.json)).not.toContain(res.json.access_key_secret);
  });

  it('never lasts past the worker lifetime, and refuses with 409 expiring under 900 s', async () => {
    const h = await harness();
    const key = await readyWorker(h, 'brief', { ttl_seconds: 1200 });
    expect((await h.call('POST', '/credentials/sts', { key })).status).toBe(200);
    const duration = Number(sessionsOf('brief').at(-1)!.params.DurationSeconds);
    expect(duration).toBeGreaterThanOrEqual(1195);
    expect(duration).toBeLessThanOrEqual(1200);
    h.clock.advance(400_000);
    const refused = await h.call('POST', '/credentials/sts', { key });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('expiring');
    h.clock.advance(900_000);
    const expired = await h.call('POST', '/credentials/sts', { key });
    expect(expired.status).toBe(401);
    expect(expired.json.code).toBe('expired');
  });

  it('honours a rotated-out key only here and only during the grace', async () => {
    const h = await harness({ settings: { rotationGraceSeconds: 120 } });
    const old = await readyWorker(h, 'rot');
    const rotated = await h.call('POST', '/workers/rot/keys');
    expect((await h.call('POST', '/credentials/sts', { key: old })).status).toBe(200);
    expect((await reportReady(h, 'rot', old)).status).toBe(401);
    h.clock.advance(121_000);
    expect((await h.call('POST', '/credentials/sts', { key: old })).status).toBe(401);
    expect((await h.call('POST', '/credentials/sts', { key: rotated.json.api_key })).status).toBe(200);
  });

  it('maps STS throttling to 503 with Retry-After and a refusal to 502, without secrets', async () => {
    const h = await harness();
    const key = await readyWorker(h, 'busy');
    sts.failNext('throttled');
    const throttled = await h.call('POST', '/credentials/sts', { key });
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get('retry-after')).not.toBeNull();
    sts.failNext('denied');
    const denied = await h.call('POST', '/credentials/sts', { key });
    expect(denied.status).toBe(502);
    expect(denied.text).not.toContain(SIGNING.accessKeySecret);
  });

  it('answers 503 saying so when no issuer is configured', async () => {
    const h = await makeApp();
    registerCredentialRoutes(h.app.routeTable, h.service, undefined);
    const key = await readyWorker(h, 'none');
    const res = await h.call('POST', '/credentials/sts', { key });
    expect(res.status).toBe(503);
    expect(res.json.message).toContain('no credential issuer is configured');
  });
});
