/**
 * The record repository's ordering rules, on the memory store: hints before the records that need them.
 */
import { describe, expect, it } from 'vitest';
import { isWorker } from '../../../src/lifecycle/model/record';
import { takeLeaseIfFree } from '../../../src/lifecycle/model/transitions';
import { createReady, hintsOf, makeHarness, recordOf } from '../../support/lifecycle-harness';

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
});
