/**
 * What an endpoint leaves behind: dead letters kept for the event retention and removed with their endpoint,
 * listed a page at a time; no signing secret without its endpoint (the limit checked first, a killed create's
 * secret removed by the sweeper, a rotation never bringing back a deleted endpoint's secret). The sender is a
 * protocol-level fake of the sender port whose receiver is down (nothing here needs a delivery).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../../src/lifecycle';
import { MAX_ENDPOINTS } from '../../../src/lifecycle/outbox';
import { MemoryStore } from '../../../src/store/memory';
import { makeApp } from '../../support/app-harness';

const DAY = 86_400_000;
const down = { send: async () => ({ ok: false as const, error: 'answered 503' }) };

async function setUp(store?: MemoryStore) {
  const h = await makeApp({ webhooks: { sender: down }, ...(store ? { store } : {}) });
  const made = await h.call('POST', '/webhooks', { body: { url: 'https://hooks.example.com/in' } });
  expect(made.status).toBe(201);
  const webhooks = h.webhooks!;
  const bury = (eventId: string, endpointId = made.json.id as string) =>
    webhooks.outbox.putDead({
      event: {
        id: eventId,
        type: 'worker.created',
        timestamp: new Date(h.clock.now()).toISOString(),
        data: {},
      },
      endpoint_id: endpointId,
      attempts: 9,
      last_error: 'answered 503',
      dead_at: new Date(h.clock.now()).toISOString(),
    });
  const sweep = () => runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
  const secretIds = async () => Object.keys(await webhooks.endpoints.secrets()).sort();
  return { ...h, webhooks, id: made.json.id as string, bury, sweep, secretIds };
}

describe('webhook endpoints and their dead letters', () => {
  it('drops dead letters older than EVENT_RETENTION_DAYS at the sweeper, keeping younger ones', async () => {
    const h = await setUp();
    await h.bury('evt_old_1');
    await h.bury('evt_old_2');
    h.clock.advance(20 * DAY);
    await h.bury('evt_young_1');
    h.clock.advance(11 * DAY);

    await h.sweep();

    const page = await h.call('GET', `/webhooks/${h.id}/dead-letters`);
    expect(page.json.dead_letters.map((l: { event: { id: string } }) => l.event.id)).toEqual(['evt_young_1']);
  });

  it('deletes an endpoint with its dead letters', async () => {
    const h = await setUp();
    await h.bury('evt_a_1');
    await h.bury('evt_a_2');

    expect((await h.call('DELETE', `/webhooks/${h.id}`)).status).toBeLessThan(300);

    expect((await h.store.list('webhooks/dead/')).keys).toEqual([]);
  });

  it('lists dead letters 100 at a time in event id order, with a cursor to the next page', async () => {
    const h = await setUp();
    const ids = Array.from({ length: 150 }, (_, i) => `evt_w_${String(i).padStart(3, '0')}`);
    for (const id of ids) await h.bury(id);

    const first = await h.call('GET', `/webhooks/${h.id}/dead-letters`);
    expect(first.status).toBe(200);
    expect(first.json.dead_letters).toHaveLength(100);
    expect(first.json.next_cursor).toBeDefined();
    const second = await h.call(
      'GET',
      `/webhooks/${h.id}/dead-letters?cursor=${encodeURIComponent(first.json.next_cursor)}`,
    );
    expect(second.json.next_cursor).toBeUndefined();
    const listed = [...first.json.dead_letters, ...second.json.dead_letters].map(
      (l: { event: { id: string } }) => l.event.id,
    );
    expect(listed).toEqual(ids);

    const bad = await h.call('GET', `/webhooks/${h.id}/dead-letters?cursor=..%2Fsecrets`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('cursor');
  });

  it('refuses an endpoint past the limit before writing its secret', async () => {
    const h = await setUp();
    for (let i = 1; i < MAX_ENDPOINTS; i++) {
      expect(
        (await h.call('POST', '/webhooks', { body: { url: `https://hooks.example.com/${i}` } })).status,
      ).toBe(201);
    }
    const before = await h.secretIds();

    const refused = await h.call('POST', '/webhooks', { body: { url: 'https://hooks.example.com/over' } });

    expect(refused.status).toBe(409);
    expect(await h.secretIds()).toEqual(before);
  });

  it('removes the secret of a create killed before its endpoint was listed, once no create can still be at work', async () => {
    const h = await setUp();
    // What a create killed between its two writes leaves: a secret no endpoint lists.
    await h.webhooks.endpoints.updateSecrets((secrets) => {
      secrets.set('ep_killed', { current: 'whsec_x', created_ms: h.clock.now() });
      return true;
    });
    await h.sweep();
    expect(await h.secretIds()).toEqual([h.id, 'ep_killed'].sort());

    h.clock.advance(2 * 3600_000);
    await h.sweep();

    expect(await h.secretIds()).toEqual([h.id]);
  });

  it('does not bring back the secret of an endpoint deleted while its rotation was under way', async () => {
    const store = new InterposingStore();
    const h = await setUp(store);
    // The endpoint is deleted between the rotation's check that it exists and its write of the new secret.
    store.beforeNextGet('secrets/_webhooks.json', async () => {
      expect((await h.call('DELETE', `/webhooks/${h.id}`)).status).toBeLessThan(300);
    });

    const rotated = await h.call('POST', `/webhooks/${h.id}/rotate-secret`);

    expect(rotated.status).toBe(404);
    expect(await h.secretIds()).toEqual([]);
  });
});

/** A memory store that runs a step of another function just before its next read of one key. */
class InterposingStore extends MemoryStore {
  private pending: { key: string; step: () => Promise<void> } | undefined;

  beforeNextGet(key: string, step: () => Promise<void>): void {
    this.pending = { key, step };
  }

  override async get(key: string) {
    const pending = this.pending;
    if (pending?.key === key) {
      this.pending = undefined;
      await pending.step();
    }
    return super.get(key);
  }
}
