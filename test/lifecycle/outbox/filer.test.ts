/**
 * Filing events that report no record write: to the endpoints that want them (type, labels, team), confirmed at
 * once, and — on the credentials hot path — with the endpoint list read once per cache period, not per event.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/lifecycle/model/clock';
import { EventFiler } from '../../../src/lifecycle/outbox';
import { type OutboxEntry, WebhookEndpoints } from '../../../src/lifecycle/persistence';
import { MemoryStore } from '../../../src/store/memory';

/** Counts reads of the endpoint list, the one read a filing that nobody wants costs. */
class CountingStore extends MemoryStore {
  endpointReads = 0;
  override async get(key: string) {
    if (key === 'webhooks/endpoints.json') this.endpointReads++;
    return super.get(key);
  }
}

async function setUp(endpointsCacheMs = 30_000) {
  const clock = new ManualClock();
  const store = new CountingStore(() => clock.now());
  const endpoints = new WebhookEndpoints(store);
  const add = (id: string, types: string[], filter?: { labels?: Record<string, string>; team?: string }) =>
    endpoints.update((list) => [
      ...list,
      { id, url: 'https://hooks.example.com/in', types, ...(filter ? { filter } : {}), created_at: '' },
    ]);
  const filer = new EventFiler(store, clock, { endpointsCacheMs });
  const entries = async () => {
    const keys = (await store.list('outbox/')).keys.map((k) => k.key);
    return Promise.all(keys.map(async (k) => JSON.parse((await store.get(k))!.body) as OutboxEntry));
  };
  return { clock, store, add, filer, entries };
}

describe('EventFiler', () => {
  it('files a confirmed entry owed to each endpoint that lists the type and whose filter matches', async () => {
    const t = await setUp(0);
    await t.add('ep_all', ['credentials.issued']);
    await t.add('ep_red', ['credentials.issued'], { team: 'red' });
    await t.add('ep_gold', ['credentials.issued'], { labels: { tier: 'gold' } });
    await t.add('ep_other', ['worker.ready']);
    const event = await t.filer.file(
      'alice',
      'credentials.issued',
      { uid: 'u1' },
      { labels: {}, team: 'red' },
    );

    expect(event).toMatchObject({ type: 'credentials.issued', data: { name: 'alice', uid: 'u1' } });
    const [entry, ...more] = await t.entries();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ name: 'alice', confirmed: true, event: { id: event!.id } });
    expect(Object.keys(entry!.targets).sort()).toEqual(['ep_all', 'ep_red']);
  });

  it("files credentials.issued in the issuance queue, and other events in the worker's own", async () => {
    const t = await setUp(0);
    await t.add('ep_all', ['credentials.issued', 'worker.orphan_found']);
    await t.filer.file('alice', 'credentials.issued', {});
    await t.filer.file('alice', 'worker.orphan_found', {});
    const keys = (await t.store.list('outbox/')).keys.map((k) => k.key);
    expect(keys).toHaveLength(2);
    expect(keys.filter((k) => k.startsWith('outbox/_issued/alice/'))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('outbox/alice/'))).toHaveLength(1);
  });

  it('writes nothing when no endpoint wants the event', async () => {
    const t = await setUp(0);
    await t.add('ep_other', ['worker.ready']);
    expect(await t.filer.file('alice', 'credentials.issued', {})).toBeNull();
    expect(await t.entries()).toEqual([]);
  });

  it('reads the endpoint list once per cache period, and again once it is over', async () => {
    const t = await setUp(30_000);
    for (let i = 0; i < 5; i++) await t.filer.file('alice', 'credentials.issued', {});
    expect(t.store.endpointReads).toBe(1);
    // Registered within the period: seen once the period is over.
    await t.add('ep_late', ['credentials.issued']);
    t.store.endpointReads = 0;
    await t.filer.file('alice', 'credentials.issued', {});
    expect(t.store.endpointReads).toBe(0);
    expect(await t.entries()).toEqual([]);
    t.clock.advance(30_001);
    await t.filer.file('alice', 'credentials.issued', {});
    expect(t.store.endpointReads).toBe(1);
    expect(await t.entries()).toHaveLength(1);
  });
});
