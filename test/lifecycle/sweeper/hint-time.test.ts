/**
 * Where the sweeper files a worker's next hint (`hintTime`): at its next deadline, or a backoff away when that
 * deadline is already past, but never past the expiry of a lease someone holds.
 */
import { describe, expect, it } from 'vitest';
import { takeLeaseIfFree } from '../../../src/lifecycle/model/transitions';
import { hintTime } from '../../../src/lifecycle/sweeper/policies';
import { createReady, makeHarness } from '../../support/lifecycle-harness';

describe('hintTime', () => {
  it('a past-due retry behind a live lease is hinted at the lease expiry at the latest, not a backoff away', async () => {
    // The bug: a retry long overdue put the hint a backoff (a minute or more) ahead, past the expiry of the lease a
    // driver had just taken: if that driver died, the worker waited for the backoff (found by the simulation).
    const h = makeHarness();
    const ready = await createReady(h, { name: 'w1' });
    const now = h.clock.now();
    const overdue = { ...ready, next_check_at: new Date(now - 30 * 60_000).toISOString() };
    const leased = takeLeaseIfFree(overdue, 'driver', now - 80_000, h.settings).record;
    const leaseEnd = Date.parse(leased.op!.expires_at);
    expect(leaseEnd).toBeGreaterThan(now);

    const at = hintTime(leased, h.settings, now);

    expect(at).toBeLessThanOrEqual(leaseEnd);
  });

  it('a past-due deadline without a lease is hinted a backoff away, so it does not pin the head of the index', async () => {
    const h = makeHarness();
    const ready = await createReady(h, { name: 'w1' });
    const now = h.clock.now();
    const overdue = { ...ready, next_check_at: new Date(now - 30 * 60_000).toISOString() };

    expect(hintTime(overdue, h.settings, now)).toBeGreaterThanOrEqual(now + 60_000);
  });
});
