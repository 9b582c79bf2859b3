/**
 * `credentials.issued`, end to end in process: a worker asks `/credentials/sts` (the real Alibaba STS SDK against a
 * protocol-level STS fake), the event is filed without the signing secrets, and the sweeper delivers it to a real
 * HTTP receiver on loopback that verifies it with `standardwebhooks`. The event is opt-in, and never carries the
 * credentials themselves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import { AliyunStsIssuer } from '../../src/credentials/aliyun-sts';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../src/lifecycle';
import { MemoryStore } from '../../src/store/memory';
import type { PutOptions } from '../../src/store/port';
import { makeApp, reportReady } from '../support/app-harness';
import { type FakeAliyunSts, startFakeAliyunSts } from '../support/fakes/aliyun-sts';
import { type WebhookReceiver, webhookReceiver } from '../support/webhook-receiver';

const SIGNING = { accessKeyId: 'LTAI-event-test', accessKeySecret: 'event-test-signing-secret' };
let sts: FakeAliyunSts;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  sts = await startFakeAliyunSts({ keys: { [SIGNING.accessKeyId]: { secret: SIGNING.accessKeySecret } } });
});
afterAll(async () => {
  await sts.close();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A store whose outbox writes fail: the filing of an event breaks, nothing else does. */
class OutboxRefusingStore extends MemoryStore {
  override async put(key: string, body: string, options?: PutOptions) {
    if (key.startsWith('outbox/')) throw new Error('store unavailable: outbox write refused');
    return super.put(key, body, options);
  }
}

async function setUp(options: { store?: MemoryStore } = {}) {
  const h = await makeApp(options.store ? { store: options.store } : {});
  const issuer = new AliyunStsIssuer({
    roleArn: 'acs:ram::1234567890123456:role/worker-data',
    bucket: 'agent-data',
    ossEndpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
    region: 'cn-hangzhou',
    stsEndpoint: sts.url,
    credentials: SIGNING,
  });
  registerCredentialRoutes(h.app.routeTable, h.service, issuer, 3600);
  const endpoint = async (types?: string[]) => {
    const receiver = await webhookReceiver();
    receivers.push(receiver);
    const made = await h.call('POST', '/webhooks', {
      body: { url: receiver.url, ...(types ? { types } : {}) },
    });
    expect(made.status).toBe(201);
    receiver.trust(made.json.secret);
    return Object.assign(receiver, { id: made.json.id as string });
  };
  const readyWorker = async (name: string) => {
    const created = await h.call('POST', '/workers', { body: { name } });
    expect(created.status).toBe(201);
    expect((await reportReady(h, name, created.json.api_key)).status).toBe(204);
    return created.json as { uid: string; api_key: string };
  };
  const sweep = () => runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
  return { ...h, endpoint, readyWorker, sweep };
}

const issuedTo = (receiver: WebhookReceiver) =>
  receiver.received.filter((e) => e.type === 'credentials.issued');

describe('credentials.issued (opt-in webhook event)', () => {
  it('reaches an endpoint that lists it once the sweeper runs, signed and verified; one that does not list it never gets it', async () => {
    const h = await setUp();
    const subscribed = await h.endpoint(['credentials.issued']);
    const everythingElse = await h.endpoint();
    const worker = await h.readyWorker('alice');

    const res = await h.call('POST', '/credentials/sts', { key: worker.api_key });
    expect(res.status).toBe(200);
    // Filed, not sent: the function that issues credentials cannot read the signing secrets.
    expect(issuedTo(subscribed)).toEqual([]);
    await h.sweep();

    expect(subscribed.rejected).toEqual([]);
    expect(issuedTo(subscribed)).toHaveLength(1);
    const event = issuedTo(subscribed)[0]!;
    expect(event.headers.id).toBe(event.id);
    expect(event.headers.signature).toMatch(/^v1,/);
    expect(event.data).toMatchObject({
      name: 'alice',
      uid: worker.uid,
      generation: 1,
      reason: 'credentials_issued',
      provider: 'aliyun',
      expiration: res.json.expiration,
      prefixes: ['agents/alice/', 'shared/'],
    });
    // The default types leave the opt-in event out; that endpoint still gets the worker's transitions.
    expect(everythingElse.types()).toContain('worker.ready');
    expect(issuedTo(everythingElse)).toEqual([]);
    expect((await h.store.list('outbox/')).keys).toEqual([]);
  });

  it('never carries the access key id, secret or token: not in the message, nor in the outbox entry', async () => {
    const h = await setUp();
    const subscribed = await h.endpoint(['credentials.issued']);
    const worker = await h.readyWorker('bob');
    const res = await h.call('POST', '/credentials/sts', { key: worker.api_key });
    expect(res.status).toBe(200);
    const secrets = [res.json.access_key_id, res.json.access_key_secret, res.json.security_token] as string[];
    for (const s of secrets) expect(s.length).toBeGreaterThan(8);

    const [entryKey] = (await h.store.list('outbox/')).keys.map((k) => k.key);
    const entry = await h.store.get(entryKey!);
    for (const s of secrets) expect(entry!.body).not.toContain(s);

    await h.sweep();
    expect(issuedTo(subscribed)).toHaveLength(1);
    const body = JSON.stringify(issuedTo(subscribed)[0]);
    for (const s of secrets) expect(body).not.toContain(s);
  });

  it("is filed for HiClaw's /api/v1/credentials/sts as well", async () => {
    const h = await setUp();
    const subscribed = await h.endpoint(['credentials.issued']);
    const worker = await h.readyWorker('erin');
    const res = await h.call('POST', '/api/v1/credentials/sts', { key: worker.api_key });
    expect(res.status).toBe(200);
    await h.sweep();
    expect(subscribed.rejected).toEqual([]);
    expect(issuedTo(subscribed).map((e) => e.data)).toMatchObject([
      { name: 'erin', uid: worker.uid, expiration: res.json.expiration },
    ]);
  });

  it("files under the issuance prefix, never in the worker's own outbox", async () => {
    const h = await setUp();
    await h.endpoint(['credentials.issued']);
    const worker = await h.readyWorker('frank');
    expect((await h.call('POST', '/credentials/sts', { key: worker.api_key })).status).toBe(200);
    const keys = (await h.store.list('outbox/')).keys.map((k) => k.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^outbox\/_issued\/frank\/\d{13}-\d{8}-evt_[0-9a-f]{32}\.json$/);
  });

  it('never delivers what only the issuance prefix may hold from elsewhere, nor another type from it: forged entries are deleted unsent', async () => {
    const h = await setUp();
    const receiver = await h.endpoint(['credentials.issued', 'worker.deleted']);
    const worker = await h.readyWorker('gina');
    const at = h.clock.now();
    const forged = (id: string, type: string, name: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        event: { id, type, timestamp: new Date(at).toISOString(), data: { name } },
        name,
        confirmed: true,
        created_ms: at,
        targets: { [receiver.id]: { attempts: 0 } },
        write_id: 'filed',
        ...extra,
      });
    const stamp = String(at).padStart(13, '0');
    // Another type under the issuance prefix: what a credentials function with a broader grant could forge.
    await h.store.put(
      `outbox/_issued/gina/${stamp}-00000000-evt_forged1.json`,
      forged('evt_forged1', 'worker.deleted', 'gina'),
    );
    // An issuance entry claiming another worker than its path names.
    await h.store.put(
      `outbox/_issued/gina/${stamp}-00000000-evt_forged2.json`,
      forged('evt_forged2', 'credentials.issued', 'hank'),
    );
    // An issuance entry that claims a record write (only transitions do).
    await h.store.put(
      `outbox/_issued/gina/${stamp}-00000000-evt_forged3.json`,
      forged('evt_forged3', 'credentials.issued', 'gina', {
        confirmed: false,
        claim: {
          uid: worker.uid,
          seq: 1,
          transition: {
            at: new Date(at).toISOString(),
            from: 'running',
            to: 'running',
            reason: 'x',
            actor: 'x',
          },
        },
      }),
    );
    // credentials.issued in the worker's own outbox: the issuance prefix is the only place it is filed.
    await h.store.put(
      `outbox/gina/${stamp}-00000000-evt_forged4.json`,
      forged('evt_forged4', 'credentials.issued', 'gina'),
    );
    expect((await h.call('POST', '/credentials/sts', { key: worker.api_key })).status).toBe(200);

    await h.sweep();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.map((e) => e.id).filter((id) => id.startsWith('evt_forged'))).toEqual([]);
    expect(receiver.received.filter((e) => e.type === 'worker.deleted')).toEqual([]);
    expect(issuedTo(receiver).map((e) => e.data)).toMatchObject([{ name: 'gina', uid: worker.uid }]);
    expect((await h.store.list('outbox/')).keys).toEqual([]);
  });

  it('redelivers a dead-lettered credentials.issued through the issuance queue', async () => {
    const h = await setUp();
    const receiver = await h.endpoint(['credentials.issued']);
    const worker = await h.readyWorker('ivan');
    const event = {
      id: 'evt_0123456789abcdef0123456789abcdef',
      type: 'credentials.issued',
      timestamp: new Date(h.clock.now()).toISOString(),
      data: { name: 'ivan', uid: worker.uid },
    };
    await h.store.put(
      `webhooks/dead/${receiver.id}/${event.id}.json`,
      JSON.stringify({
        event,
        endpoint_id: receiver.id,
        attempts: 9,
        last_error: 'HTTP 503',
        dead_at: event.timestamp,
      }),
    );
    const again = await h.call('POST', `/webhooks/${receiver.id}/redeliver`, {
      body: { event_id: event.id },
    });
    expect(again.status).toBe(202);

    expect(receiver.rejected).toEqual([]);
    expect(issuedTo(receiver).map((e) => e.id)).toEqual([event.id]);
    expect((await h.store.list('outbox/')).keys).toEqual([]);
  });

  it('files nothing when no endpoint lists it', async () => {
    const h = await setUp();
    await h.endpoint();
    const worker = await h.readyWorker('carol');
    await h.sweep();
    expect((await h.store.list('outbox/')).keys).toEqual([]);

    expect((await h.call('POST', '/credentials/sts', { key: worker.api_key })).status).toBe(200);
    expect((await h.store.list('outbox/')).keys).toEqual([]);
  });

  it('answers the credentials although the event cannot be filed, and logs the failure without a secret', async () => {
    const h = await setUp({ store: new OutboxRefusingStore() });
    await h.endpoint(['credentials.issued']);
    const worker = await h.readyWorker('dave');
    const lines: { message: string; fields: Record<string, unknown> }[] = [];
    const capture = (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ message, fields });
    h.ctx.log = { info: capture, warn: capture, error: capture };

    const res = await h.call('POST', '/credentials/sts', { key: worker.api_key });
    expect(res.status).toBe(200);
    expect(res.json.access_key_secret).toBeTruthy();
    const warning = lines.find((l) => l.message.includes('credentials.issued'));
    expect(warning?.fields).toMatchObject({
      worker: 'dave',
      error: 'store unavailable: outbox write refused',
    });
    const logged = JSON.stringify(lines);
    for (const s of [
      res.json.access_key_id,
      res.json.access_key_secret,
      res.json.security_token,
      worker.api_key,
    ])
      expect(logged).not.toContain(s);
  });
});
