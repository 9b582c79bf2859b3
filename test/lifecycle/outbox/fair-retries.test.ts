/**
 * The sweeper's retries reach every worker in turn: workers owed to an endpoint that keeps failing cannot take
 * every run's turn from one owed to a healthy endpoint. The sender is a protocol-level fake of the sender port
 * (it answers per URL, as a receiver that is down or up would).
 */
import { describe, expect, it } from 'vitest';
import type { SendResult, WebhookSender } from '../../../src/lifecycle/outbox';
import { makeApp } from '../../support/app-harness';

const BROKEN = 'https://broken.example.com/hook';
const HEALTHY = 'https://healthy.example.com/hook';

/** A fake sender port: every URL in `down` answers 503; the others receive, recorded by event type and worker. */
class PerUrlSender implements WebhookSender {
  readonly down = new Set<string>([BROKEN, HEALTHY]);
  readonly received: { url: string; type: string; name: string }[] = [];

  async send(url: string, message: { body: string }): Promise<SendResult> {
    if (this.down.has(url)) return { ok: false, error: 'answered 503' };
    const event = JSON.parse(message.body) as { type: string; data: { name: string } };
    this.received.push({ url, type: event.type, name: event.data.name });
    return { ok: true };
  }
}

describe('sweeper webhook retries', () => {
  it('reach a worker owed to a healthy endpoint behind workers whose endpoint keeps failing', async () => {
    const sender = new PerUrlSender();
    const h = await makeApp({ webhooks: { sender } });
    for (const [url, group] of [
      [BROKEN, 'blocked'],
      [HEALTHY, 'fine'],
    ] as const) {
      const made = await h.call('POST', '/webhooks', {
        body: { url, types: ['worker.created'], filter: { labels: { group } } },
      });
      expect(made.status).toBe(201);
    }
    for (const name of ['a', 'b', 'c']) {
      await h.call('POST', '/workers', { body: { name, labels: { group: 'blocked' } } });
    }
    await h.call('POST', '/workers', { body: { name: 'zz', labels: { group: 'fine' } } });
    expect(sender.received).toEqual([]);

    sender.down.delete(HEALTHY);
    h.clock.advance(10 * 60_000); // past every entry's backoff
    const webhooks = h.webhooks!;
    const first = await webhooks.deliverDue(() => true, 2);
    await webhooks.deliverDue(() => true, 2, first.last);

    expect(sender.received).toEqual([{ url: HEALTHY, type: 'worker.created', name: 'zz' }]);
  });

  it('start no new entry once the run has no time left', async () => {
    const sender = new PerUrlSender();
    const h = await makeApp({ webhooks: { sender } });
    await h.call('POST', '/webhooks', { body: { url: HEALTHY, types: ['worker.created', 'worker.slept'] } });
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    await h.call('POST', '/workers/alice/sleep');
    expect((await h.store.list('outbox/alice/')).keys).toHaveLength(2);
    sender.down.delete(HEALTHY);
    h.clock.advance(10 * 60_000);

    let checks = 0;
    // Time to start the worker and its first entry, none left after.
    const result = await h.webhooks!.deliverDue(() => checks++ < 2, 10);

    expect(result.workers).toBe(1);
    expect(sender.received.map((r) => r.type)).toEqual(['worker.created']);
    expect((await h.store.list('outbox/alice/')).keys).toHaveLength(1);
  });
});
