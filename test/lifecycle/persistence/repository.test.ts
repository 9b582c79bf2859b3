/**
 * The record repository's ordering rules, on the memory store: hints before the records that need them, and an
 * event for every transition even when its writer died before logging it.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { takeLeaseIfFree } from '../../../src/lifecycle/model/transitions';
import { WorkerService } from '../../../src/lifecycle/requests/service';
import {
  createReady,
  eventsOf,
  HookedStore,
  hintsOf,
  makeHarness,
  recordOf,
  sibling,
} from '../../support/lifecycle-harness';

const MIN = 60_000;

describe('due hints', () => {
  it('a write that takes the lease of a worker whose deadline already passed files a hint at the lease expiry', async () => {
    // The bug: a hint was filed only when the new deadline was earlier than the previous one. With a retry already
    // due (deadline in the past) the lease's expiry is later, so nothing was filed; but the sweeper had already
    // processed the past hint and re-filed it by its backoff (up to 15 min). A request that took the lease and
    // died then left the worker undriven until that backoff, far past the lease's expiry.
    const h = makeHarness();
    await createReady(h, { name: 'w1' });
    const now = h.clock.now();
    await h.repo.mutate('w1', (current) =>
      isWorker(current) ? { ...current, next_check_at: new Date(now - MIN).toISOString() } : undefined,
    );
    // What the sweeper leaves after processing the past-due hint: one hint, a backoff away.
    for (const hint of await hintsOf(h, 'w1')) await h.store.delete(hint.key);
    await h.repo.putHint(now + 15 * MIN, 'w1');

    await h.repo.mutate('w1', (current) =>
      isWorker(current) ? takeLeaseIfFree(current, 'dies-next', now, h.settings).record : undefined,
    );

    const leaseEnd = Date.parse((await recordOf(h, 'w1')).op!.expires_at);
    const times = (await hintsOf(h, 'w1')).map((hint) => hint.atMs);
    expect(times.some((at) => at <= leaseEnd)).toBe(true);
  });

  it('a write that moves a past-due deadline to a time before the hint the sweeper backed off to files a hint at it', async () => {
    // The bug: a hint was filed only when the new deadline was earlier than the previous one. A past-due idle
    // deadline whose hint the sweeper moved a minute on (it could not settle the worker), then a PATCH that set a
    // deadline 10 s ahead: later than the past one, so nothing was filed, and the sleep came 50 s late.
    const h = makeHarness();
    await createReady(h, { name: 'w1', idle_timeout_seconds: 3600 });
    h.clock.advance(61 * MIN);
    const now = h.clock.now();
    for (const hint of await hintsOf(h, 'w1')) await h.store.delete(hint.key);
    await h.repo.putHint(now + MIN, 'w1');
    const record = await recordOf(h, 'w1');
    const nextIdle = now + 10_000;
    const timeout = Math.round((nextIdle - Date.parse(record.created_at)) / 1000);

    await h.repo.mutate('w1', (current) =>
      isWorker(current) ? { ...current, idle_timeout_seconds: timeout } : undefined,
    );

    const earliest = Math.min(...(await hintsOf(h, 'w1')).map((hint) => hint.atMs));
    expect(earliest).toBeLessThanOrEqual(nextIdle);
  });

  it('a write that leaves a past-due deadline where it was files it again: its hint may have been backed off', async () => {
    // The bug (the simulation found it with schedules): a busy beat held a past-due scheduled sleep off, so the
    // sweeper backed its hint off; a stop's retry written later left the beat-blind deadline (that past sleep)
    // unchanged, so no hint was filed, and the retry waited for the backed-off hint. Here the same shape with an
    // idle deadline: past due, its hint moved a minute on, and a write that does not move it.
    const h = makeHarness();
    await createReady(h, { name: 'w1', idle_timeout_seconds: 3600 });
    h.clock.advance(61 * MIN);
    const now = h.clock.now();
    for (const hint of await hintsOf(h, 'w1')) await h.store.delete(hint.key);
    await h.repo.putHint(now + MIN, 'w1');

    await h.repo.mutate('w1', (current) =>
      isWorker(current) ? { ...current, labels: { ...current.labels, touched: 'yes' } } : undefined,
    );

    const earliest = Math.min(...(await hintsOf(h, 'w1')).map((hint) => hint.atMs));
    expect(earliest).toBeLessThanOrEqual(now);
  });

  it('a write that moves a deadline still hours ahead to a later one files no hint (the earlier one covers it)', async () => {
    const h = makeHarness();
    await createReady(h, { name: 'w1', idle_timeout_seconds: 3600 });
    const before = await hintsOf(h, 'w1');

    await h.repo.mutate('w1', (current) =>
      isWorker(current) ? { ...current, idle_timeout_seconds: 7200 } : undefined,
    );

    expect(await hintsOf(h, 'w1')).toEqual(before);
  });
});

describe('events', () => {
  it('a worker re-created over the tombstone of an earlier incarnation logs its first transition', async () => {
    // The bug: a write logged its event only when its event_seq rose above the replaced value's, and a new
    // incarnation starts again at 1, below its predecessor's tombstone. Only the last event is ever repaired.
    const h = makeHarness();
    await createReady(h, { name: 'w1' });
    await h.service.delete('w1', MANAGER);
    expect((await h.repo.read('w1'))?.value.kind).toBe('tombstone');
    await h.service.create({ name: 'w1' }, MANAGER);

    const uid = (await recordOf(h, 'w1')).uid;
    const mine = (await eventsOf(h, 'w1')).filter((e) => e.uid === uid);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i + 1));
    expect(mine[0]).toMatchObject({ seq: 1, from: 'none', to: 'pending' });
  });

  it('a transition whose writer died before its event is logged by the next transition, not only by the scan', async () => {
    // The full scan re-emits only a record's LAST missing event: a gap followed by further transitions stayed.
    let dropEvents = true;
    const h = makeHarness({
      wrapStore: (store) => {
        const hooked = new HookedStore(store);
        hooked.hook = (op, key) => {
          // The first function dies after its record write, before its event: its event put never arrives.
          if (dropEvents && op === 'put' && key.startsWith('events/')) throw new Error('function killed');
        };
        return hooked;
      },
    });
    await h.service.create({ name: 'w1', idle_timeout_seconds: 600 }, MANAGER).catch(() => undefined);
    dropEvents = false;
    const uid = (await recordOf(h, 'w1')).uid;
    // Another function makes the next transitions of the same incarnation.
    const other = new WorkerService(sibling(h, 'other'), { mode: 'keys', managerKeyHashes: [] });
    await other.sleep('w1', MANAGER);
    const record = await recordOf(h, 'w1');

    const seqs = (await eventsOf(h, 'w1')).filter((e) => e.uid === uid).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: record.event_seq }, (_, i) => i + 1));
  });
});
