/**
 * A worker's transitions keep the order they were made in even when the function making one has a clock behind
 * the one that made the previous: its time is a millisecond after the previous transition's, so the outbox (which
 * lists a worker's entries by time, then sequence) delivers them in sequence order.
 */
import { describe, expect, it } from 'vitest';
import { deadlineOf, isWorker, transition, transitionTime } from '../../../src/lifecycle/model';
import { WorkerRepository } from '../../../src/lifecycle/persistence';
import { makeApp } from '../../support/app-harness';

describe('transition time', () => {
  it('is now when the clock is ahead of the previous transition, else one millisecond after it', () => {
    const previous = '2026-03-01T00:00:10.000Z';
    expect(transitionTime(previous, Date.parse('2026-03-01T00:00:11.000Z'))).toBe(
      Date.parse('2026-03-01T00:00:11.000Z'),
    );
    expect(transitionTime(previous, Date.parse('2026-03-01T00:00:05.000Z'))).toBe(
      Date.parse('2026-03-01T00:00:10.001Z'),
    );
    expect(transitionTime(undefined, 42)).toBe(42);
  });

  it('stamps a transition made by a clock behind the previous one after it, phase_since included', async () => {
    const h = await makeApp({ webhooks: false });
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    const current = (await h.repo.read('alice'))!.value;
    if (!isWorker(current)) throw new Error('expected a worker');
    const behind = Date.parse(current.last_transition.at) - 5000;

    const next = transition(current, 'failed', { reason: 'backend_error', actor: 'driver' }, behind);

    expect(Date.parse(next.last_transition.at)).toBe(Date.parse(current.last_transition.at) + 1);
    expect(next.phase_since).toBe(next.last_transition.at);
  });

  it('lists outbox entries in sequence order when the later transition was made by a clock 5 s behind', async () => {
    // A fake of the sender port whose receiver is down: every entry stays in the outbox.
    const down = { send: async () => ({ ok: false as const, error: 'answered 503' }) };
    const h = await makeApp({ webhooks: { sender: down } });
    const made = await h.call('POST', '/webhooks', { body: { url: 'https://hooks.example.com/in' } });
    expect(made.status).toBe(201);
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    const webhooks = h.webhooks!;
    // Functions that die right after their record write: their entries stay, in the order the outbox lists them.
    const dying = new WorkerRepository(h.store, deadlineOf(h.settings), () => h.clock.now(), {
      beforeWrite: (next, previous) => webhooks.beforeWrite(next, previous),
      committed: async () => {},
    });
    const fail = (now: number) =>
      dying.mutate('alice', (current) =>
        isWorker(current)
          ? transition(current, 'failed', { reason: 'backend_error', actor: 'driver' }, now)
          : undefined,
      );
    const lose = (now: number) =>
      dying.mutate('alice', (current) =>
        isWorker(current)
          ? transition(current, 'lost', { reason: 'unresponsive', actor: 'sweeper' }, now)
          : undefined,
      );
    await fail(h.clock.now());
    await lose(h.clock.now() - 5000);

    const keys = (await h.store.list('outbox/alice/')).keys.map((k) => k.key);
    const seqs = keys.map((key) => Number(key.split('/').at(-1)!.split('-')[1]));
    expect(seqs).toHaveLength(3);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
