/**
 * The outbox's two promises, with a real receiver on loopback verifying signatures: a transition whose maker dies
 * between its record write and its delivery is still delivered (by the sweeper, or by the next maker, in order),
 * and an entry filed for a record write that never landed is never delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../../src/lifecycle';
import { deadlineOf, isWorker, type StoredWorker, transition } from '../../../src/lifecycle/model';
import { WorkerRepository } from '../../../src/lifecycle/persistence';
import { makeApp } from '../../support/app-harness';
import { type WebhookReceiver, webhookReceiver } from '../../support/webhook-receiver';

const MIN = 60_000;

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function setUp() {
  const h = await makeApp({ webhooks: true });
  receiver = await webhookReceiver();
  const made = await h.call('POST', '/webhooks', { body: { url: receiver.url } });
  receiver.trust(made.json.secret);
  expect((await h.call('POST', '/workers', { body: { name: 'alice' } })).status).toBe(201);
  const webhooks = h.webhooks!;
  // The same repository whose function dies right after each record write: the entry is filed, never sent.
  const dying = new WorkerRepository(h.store, deadlineOf(h.settings), () => h.clock.now(), {
    beforeWrite: (next, previous) => webhooks.beforeWrite(next, previous),
    committed: async () => {},
  });
  const fail = (repo: WorkerRepository, message: string) =>
    repo.mutate('alice', (current) =>
      isWorker(current)
        ? transition(current, 'failed', { reason: 'backend_error', actor: 'driver', message }, h.clock.now())
        : undefined,
    );
  const sweep = () => runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
  return { ...h, receiver, dying, fail, sweep, webhooks };
}

describe('the outbox', () => {
  it('delivers the event of a maker killed between its record write and its delivery at the next sweep', async () => {
    const h = await setUp();
    await h.fail(h.dying, 'boom');
    expect(h.receiver.types()).toEqual(['worker.created']);

    await h.sweep();

    expect(h.receiver.types()).toEqual(['worker.created', 'worker.failed']);
    expect(h.receiver.received[1]!.data).toMatchObject({
      name: 'alice',
      reason: 'backend_error',
      message: 'boom',
    });
  });

  it("has the next maker deliver a dead maker's event first, confirmed against the event log", async () => {
    const h = await setUp();
    await h.fail(h.dying, 'boom');
    expect((await h.call('POST', '/workers/alice/wake')).status).toBeLessThan(300);

    expect(h.receiver.types()).toEqual(['worker.created', 'worker.failed', 'worker.woke']);
  });

  it('never delivers an entry whose record write did not land, and deletes it once that is certain', async () => {
    const h = await setUp();
    const current = (await h.repo.read('alice'))!.value;
    if (!isWorker(current)) throw new Error('expected a worker');
    // A writer files its entry, then loses its compare-and-swap (or dies before writing): no transition.
    const lost = {
      ...transition(current, 'failed', { reason: 'wedged', actor: 'sweeper' }, h.clock.now()),
      write_id: 'never-written',
    } as StoredWorker;
    await h.webhooks.beforeWrite(lost, current);
    expect((await h.store.list('outbox/alice/')).keys).toHaveLength(1);

    // Young, it might still land: it waits, unsent.
    await h.sweep();
    expect(h.receiver.types()).toEqual(['worker.created']);
    expect((await h.store.list('outbox/alice/')).keys).toHaveLength(1);

    // Past any function's lifetime it cannot: deleted, unsent.
    h.clock.advance(10 * MIN);
    await h.sweep();
    expect((await h.store.list('outbox/alice/')).keys).toEqual([]);
    expect(h.receiver.types()).not.toContain('worker.failed');
  });

  it('drops at once an entry whose sequence number another write took with a different transition', async () => {
    const h = await setUp();
    const current = (await h.repo.read('alice'))!.value;
    if (!isWorker(current)) throw new Error('expected a worker');
    const loser = {
      ...transition(current, 'failed', { reason: 'wedged', actor: 'sweeper' }, h.clock.now() - 1000),
      write_id: 'lost-the-race',
    } as StoredWorker;
    await h.webhooks.beforeWrite(loser, current);
    // The winner of the same compare-and-swap: same sequence number, another transition.
    await h.fail(h.repo, 'won');

    expect(h.receiver.types()).toEqual(['worker.created', 'worker.failed']);
    expect(h.receiver.received[1]!.data).toMatchObject({ reason: 'backend_error', message: 'won' });
    expect((await h.store.list('outbox/alice/')).keys).toEqual([]);
  });
});
