/**
 * Events out, end to end in process: the API registers an endpoint, the lifecycle makes transitions, and a real
 * HTTP receiver on loopback verifies each message's Standard Webhooks signature with the `standardwebhooks`
 * package. The fake backend runs the workers; the sweeper runs when the test says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resourceNameFor } from '../../src/backends/port';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../src/lifecycle';
import { makeApp, reportReady } from '../support/app-harness';
import { type WebhookReceiver, webhookReceiver } from '../support/webhook-receiver';

const MIN = 60_000;
const HOUR = 60 * MIN;

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function setUp() {
  const h = await makeApp({ webhooks: true });
  receiver = await webhookReceiver();
  const made = await h.call('POST', '/webhooks', { body: { url: receiver.url, description: 'manager' } });
  expect(made.status).toBe(201);
  receiver.trust(made.json.secret);
  const sweep = () => runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
  return { ...h, receiver, endpoint: made.json as { id: string; secret: string }, sweep };
}

async function readyWorker(h: Awaited<ReturnType<typeof setUp>>, name: string, idle = 600) {
  const created = await h.call('POST', '/workers', { body: { name, idle_timeout_seconds: idle } });
  expect(created.status).toBe(201);
  expect((await reportReady(h, name, created.json.api_key)).status).toBe(204);
  return created.json as { uid: string };
}

describe('webhooks: events out', () => {
  it('delivers worker.created, worker.ready and, after the idle timeout, worker.slept with reason idle, each signed and verified', async () => {
    const h = await setUp();
    const worker = await readyWorker(h, 'alice');
    h.clock.advance(11 * MIN);
    await h.sweep();

    expect(h.receiver.rejected).toEqual([]);
    expect(h.receiver.types()).toEqual(['worker.created', 'worker.ready', 'worker.slept']);
    const slept = h.receiver.received[2]!;
    expect(slept.data).toMatchObject({ name: 'alice', uid: worker.uid, reason: 'idle', phase: 'sleeping' });
    expect(typeof slept.data.generation).toBe('number');
    for (const event of h.receiver.received) {
      expect(event.headers.id).toBe(event.id);
      expect(event.headers.signature).toMatch(/^v1,/);
    }
    // Delivered ones leave the outbox.
    expect((await h.store.list('outbox/')).keys).toEqual([]);
  });

  it('shows the secret once: never in the list, a read, or an error', async () => {
    const h = await setUp();
    const listed = await h.call('GET', '/webhooks');
    const read = await h.call('GET', `/webhooks/${h.endpoint.id}`);

    expect(listed.json.endpoints).toHaveLength(1);
    expect(listed.text).not.toContain(h.endpoint.secret);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain('whsec_');
    expect(read.json.types).not.toContain('credentials.issued');
  });

  it.each([
    ['plain http to a public host', { url: 'http://example.com/hook' }, 'https'],
    ['a private address', { url: 'https://10.0.0.7/hook' }, 'private'],
    ['the cloud metadata address', { url: 'https://169.254.169.254/latest' }, 'metadata'],
    ['an unknown event type', { url: 'https://example.com/hook', types: ['worker.exploded'] }, 'types'],
    ['not a URL', { url: 'hook' }, 'url'],
  ])('refuses to register %s with a 400 that names the problem', async (_what, body, word) => {
    const h = await makeApp({ webhooks: true });
    const response = await h.call('POST', '/webhooks', { body });
    expect(response.status).toBe(400);
    expect(response.json.message).toContain(word);
  });

  it('answers 404 for an unknown or malformed endpoint id', async () => {
    const h = await makeApp({ webhooks: true });
    expect((await h.call('GET', '/webhooks/ep_0123456789abcdef0123')).status).toBe(404);
    expect((await h.call('GET', '/webhooks/..%2Fsecrets')).status).toBe(404);
  });

  it('delivers only the events of workers that match the label filter', async () => {
    const h = await makeApp({ webhooks: true });
    receiver = await webhookReceiver();
    const made = await h.call('POST', '/webhooks', {
      body: { url: receiver.url, types: ['worker.created'], filter: { labels: { tier: 'gold' } } },
    });
    receiver.trust(made.json.secret);
    await h.call('POST', '/workers', { body: { name: 'plain' } });
    await h.call('POST', '/workers', { body: { name: 'shiny', labels: { tier: 'gold' } } });

    expect(receiver.received.map((e) => [e.type, e.data.name])).toEqual([['worker.created', 'shiny']]);
  });

  it('redelivers after a receiver outage, in the order the transitions were made', async () => {
    const h = await setUp();
    h.receiver.answerWith(503);
    await readyWorker(h, 'bob', 6 * 3600);
    expect((await h.call('POST', '/workers/bob/sleep')).status).toBeLessThan(300);
    expect((await h.call('POST', '/workers/bob/wake')).status).toBeLessThan(300);
    expect(h.receiver.received).toEqual([]);

    h.receiver.answerWith(204);
    // Each event waits for the one before it; every sweep past the backoff moves the queue along.
    for (let i = 0; i < 6 && h.receiver.received.length < 4; i++) {
      h.clock.advance(10 * MIN);
      await h.sweep();
    }

    expect(h.receiver.types()).toEqual(['worker.created', 'worker.ready', 'worker.slept', 'worker.woke']);
    expect(h.receiver.received[2]!.data.reason).toBe('manual');
  });

  it('dead-letters an event after 24 h of failures, lists it, and redelivers it on request', async () => {
    const h = await setUp();
    h.receiver.answerWith(500);
    await h.call('POST', '/workers', { body: { name: 'carol', labels: { a: 'b' } } });
    h.clock.advance(25 * HOUR);
    await h.sweep();

    const dead = await h.call('GET', `/webhooks/${h.endpoint.id}/dead-letters`);
    expect(dead.status).toBe(200);
    expect(dead.json.dead_letters).toHaveLength(1);
    expect(dead.json.dead_letters[0]).toMatchObject({
      endpoint_id: h.endpoint.id,
      event: { type: 'worker.created' },
      last_error: 'answered 500',
    });
    expect(dead.text).not.toContain('whsec_');

    h.receiver.answerWith(204);
    const again = await h.call('POST', `/webhooks/${h.endpoint.id}/redeliver`, {
      body: { event_id: dead.json.dead_letters[0].event.id },
    });
    expect(again.status).toBe(202);
    expect(h.receiver.types()).toEqual(['worker.created']);
    expect((await h.call('GET', `/webhooks/${h.endpoint.id}/dead-letters`)).json.dead_letters).toEqual([]);
  });

  it('signs with both secrets during a rotation, so a receiver holding either one verifies', async () => {
    const h = await setUp();
    const rotated = await h.call('POST', `/webhooks/${h.endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    h.receiver.trust(h.endpoint.secret, rotated.json.secret);

    await h.call('POST', '/workers', { body: { name: 'dave' } });

    expect(h.receiver.rejected).toEqual([]);
    expect(h.receiver.types()).toEqual(['worker.created']);
    expect(h.receiver.received[0]!.headers.signature.split(' ')).toHaveLength(2);
  });

  it('does not follow a redirect: the event stays owed', async () => {
    const h = await setUp();
    h.receiver.answerWith(302, 'http://127.0.0.1:1/elsewhere');
    await h.call('POST', '/workers', { body: { name: 'erin' } });

    const entries = (await h.store.list('outbox/erin/')).keys;
    expect(entries).toHaveLength(1);
    const entry = JSON.parse((await h.store.get(entries[0]!.key))!.body);
    expect(Object.values(entry.targets)).toEqual([
      expect.objectContaining({ attempts: 1, last_error: 'answered 302: redirects are not followed' }),
    ]);
  });

  it('stops delivering to a deleted endpoint', async () => {
    const h = await setUp();
    expect((await h.call('DELETE', `/webhooks/${h.endpoint.id}`)).status).toBe(204);
    await h.call('POST', '/workers', { body: { name: 'fred' } });
    expect(h.receiver.received).toEqual([]);
    expect((await h.call('GET', '/webhooks')).json.endpoints).toEqual([]);
  });
});

describe('webhooks: events that report no transition', () => {
  it('announces worker.orphan_found once, when the sweeper first acts on a resource no record owns', async () => {
    const h = await setUp();
    // A store with no workers at all looks wrong to the reconcile, which then acts on nothing: one real worker.
    await readyWorker(h, 'w1', 24 * 3600);
    const deploymentId = (await h.ctx.deployment()).deployment_id;
    const uid = crypto.randomUUID();
    const resourceName = resourceNameFor(deploymentId, 'ghost', uid);
    await h.backend.create({
      name: 'ghost',
      uid,
      deploymentId,
      resourceName,
      image: 'img',
      env: {},
      labels: {},
    });

    const orphanEvents = () => h.receiver.received.filter((e) => e.type === 'worker.orphan_found');

    expect((await h.sweep()).orphans.candidates).toBe(1);
    expect(orphanEvents()).toEqual([]);
    h.clock.advance(31 * MIN);
    expect((await h.sweep()).orphans.stopped).toBe(1);
    h.clock.advance(40 * MIN);
    await h.sweep();

    expect(h.receiver.rejected).toEqual([]);
    expect(orphanEvents()).toHaveLength(1);
    expect(orphanEvents()[0]!.data).toMatchObject({
      name: 'ghost',
      uid,
      backend: 'fake',
      resource: resourceName,
      action: 'stop',
      reason: 'orphan',
    });
  });
});
