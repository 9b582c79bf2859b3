/**
 * A maker's inline delivery never holds its caller for more than one short timeout, even when one request makes
 * hundreds of transitions (a fleet action) against a receiver that hangs: what it could not deliver the sweeper
 * delivers later. The sender is a protocol-level fake of the sender port: while the receiver hangs, each attempt
 * fails as the fetch sender's does when its timeout runs out (without taking that time: the test counts attempts,
 * each of which would have held the caller for the whole timeout).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../../src/lifecycle';
import type { SendResult, WebhookSender } from '../../../src/lifecycle/outbox';
import { makeApp } from '../../support/app-harness';

class HangingReceiver implements WebhookSender {
  hung = false;
  attemptsWhileHung = 0;
  readonly received: { type: string; name: string }[] = [];

  async send(_url: string, message: { body: string }, _secrets: readonly string[], timeoutMs: number) {
    if (this.hung) {
      this.attemptsWhileHung++;
      return { ok: false, error: `no answer within ${timeoutMs} ms` } satisfies SendResult;
    }
    const event = JSON.parse(message.body) as { type: string; data: { name: string } };
    this.received.push({ type: event.type, name: event.data.name });
    return { ok: true } satisfies SendResult;
  }
}

describe('inline webhook delivery under a fleet action', () => {
  it('answers a fleet sleep of 200 workers after one round of timeouts, and the sweeper delivers the events', async () => {
    let receiver!: HangingReceiver;
    const h = await makeApp({
      webhooks: {
        sender: {
          send: (url, message, secrets, timeoutMs) => receiver.send(url, message, secrets, timeoutMs),
        },
      },
    });
    receiver = new HangingReceiver();
    const made = await h.call('POST', '/webhooks', {
      body: { url: 'https://hooks.example.com/in', types: ['worker.slept'] },
    });
    expect(made.status).toBe(201);
    const names = Array.from({ length: 200 }, (_, i) => `w${String(i).padStart(3, '0')}`);
    for (const name of names) {
      expect((await h.call('POST', '/workers', { body: { name, labels: { group: 'g' } } })).status).toBe(201);
    }

    receiver.hung = true;
    const fleet = await h.call('POST', '/workers/actions/sleep', {
      body: { selector: { labels: { group: 'g' } }, max: 200 },
    });

    expect(fleet.status).toBe(200);
    expect(fleet.json.results).toHaveLength(200);
    // One round of attempts at most (the fleet acts on 8 workers at once), not one timeout per worker.
    expect(receiver.attemptsWhileHung).toBeLessThanOrEqual(8);

    receiver.hung = false;
    for (let run = 0; run < 5 && receiver.received.length < 200; run++) {
      h.clock.advance(10 * 60_000);
      await runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
    }
    expect(new Set(receiver.received.filter((r) => r.type === 'worker.slept').map((r) => r.name))).toEqual(
      new Set(names),
    );
  });
});
