/**
 * A maker frozen between filing its outbox entry and its record write, for longer than the confirmation grace:
 * the sweeper takes the entry for never written and deletes it. The transition must then either not happen or
 * still leave as an event (a real receiver on loopback verifies each signature).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../src/errors';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../../src/lifecycle';
import { isWorker, type StoredWorker, transition } from '../../../src/lifecycle/model';
import { MemoryStore } from '../../../src/store/memory';
import type { PutOptions } from '../../../src/store/port';
import { makeApp } from '../../support/app-harness';
import { type WebhookReceiver, webhookReceiver } from '../../support/webhook-receiver';

const MIN = 60_000;

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

let clockNow: () => number = () => Date.now();

async function setUp(store?: MemoryStore) {
  const h = await makeApp({ webhooks: true, ...(store ? { store } : {}) });
  clockNow = () => h.clock.now();
  receiver = await webhookReceiver();
  const made = await h.call('POST', '/webhooks', { body: { url: receiver.url } });
  receiver.trust(made.json.secret);
  const sweep = () => runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
  return { ...h, receiver, sweep, webhooks: h.webhooks! };
}

describe('a maker frozen past the confirmation grace', () => {
  it('cannot land its record write once the sweeper deleted its entry, and its retry is delivered', async () => {
    const h = await setUp();
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    const read = (await h.repo.read('alice'))!;
    const current = read.value;
    if (!isWorker(current)) throw new Error('expected a worker');
    const next = {
      ...transition(current, 'failed', { reason: 'backend_error', actor: 'driver' }, h.clock.now()),
      write_id: 'frozen-write',
    } as StoredWorker;
    await h.webhooks.beforeWrite(next, current); // filed, then frozen before the record write

    h.clock.advance(10 * MIN);
    await h.sweep();
    expect((await h.store.list('outbox/alice/')).keys).toEqual([]);

    // Resumed: its compare-and-swap over the version it read is refused, so no transition goes unreported.
    await expect(
      h.store.put('workers/alice.json', JSON.stringify(next), { ifMatch: read.etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await h.repo.read('alice'))!.value.last_transition.to).not.toBe('failed');

    // Its retry reads again, files a new entry and delivers it.
    await h.repo.mutate('alice', (now) =>
      isWorker(now)
        ? transition(now, 'failed', { reason: 'backend_error', actor: 'driver' }, h.clock.now())
        : undefined,
    );
    expect(h.receiver.types()).toEqual(['worker.created', 'worker.failed']);
  });

  it('files its entry again when its create lands after the sweeper deleted it (no record to fence)', async () => {
    const store = new HoldingStore();
    const h = await setUp(store);
    store.hold('workers/bob.json');
    const creating = h.call('POST', '/workers', { body: { name: 'bob' } });
    await store.reached; // entry filed, the create's record write frozen
    expect((await h.store.list('outbox/bob/')).keys).toHaveLength(1);

    h.clock.advance(10 * MIN);
    await h.sweep();
    expect((await h.store.list('outbox/bob/')).keys).toEqual([]);

    store.release();
    expect((await creating).status).toBe(201);
    expect(h.receiver.types()).toEqual(['worker.created']);
    expect((await h.store.list('outbox/bob/')).keys).toEqual([]);
  });

  it("has the sweeper's scan file the entry again when that create dies right after its write lands", async () => {
    const store = new HoldingStore();
    const h = await setUp(store);
    store.hold('workers/bob.json');
    void h.call('POST', '/workers', { body: { name: 'bob' } }); // never answers: it dies after its write
    await store.reached;
    h.clock.advance(10 * MIN);
    await h.sweep();
    expect((await h.store.list('outbox/bob/')).keys).toEqual([]);

    store.release({ dieAfterWrite: true });
    await store.landed;
    expect(h.receiver.types()).toEqual([]);

    h.clock.advance(2 * 60 * MIN); // the next full scan finds the create's event missing
    await h.sweep();
    await h.sweep();

    expect(h.receiver.types()).toEqual(['worker.created']);
  });
});

/** A memory store whose put of one key waits until released: a function frozen just before that write. */
class HoldingStore extends MemoryStore {
  private key: string | undefined;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};
  private arrived: () => void = () => {};
  reached: Promise<void> = Promise.resolve();

  constructor() {
    super(() => clockNow());
  }

  hold(key: string): void {
    this.key = key;
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
    this.reached = new Promise((resolve) => {
      this.arrived = resolve;
    });
  }

  private dieAfterWrite = false;
  private wrote: () => void = () => {};
  /** Resolves once the held write has landed. */
  landed: Promise<void> = Promise.resolve();

  /** Lets the held write land; with `dieAfterWrite`, its caller never hears back (the function died). */
  release(options: { dieAfterWrite?: boolean } = {}): void {
    this.dieAfterWrite = options.dieAfterWrite ?? false;
    this.landed = new Promise((resolve) => {
      this.wrote = resolve;
    });
    this.open();
  }

  override async put(key: string, body: string, options?: PutOptions) {
    if (key !== this.key) return super.put(key, body, options);
    this.arrived();
    await this.gate;
    this.key = undefined;
    const written = await super.put(key, body, options);
    this.wrote();
    if (this.dieAfterWrite) return new Promise<never>(() => {});
    return written;
  }
}
