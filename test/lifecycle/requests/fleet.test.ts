/**
 * Fleet actions at the lifecycle level: each worker goes through the single request's lease, so a worker another
 * function is driving gets its intent recorded and is left to that holder, never driven twice.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('runFleetAction', () => {
  it('records the intent on a worker whose lease another function holds, and leaves its backend to that holder', async () => {
    const h = makeHarness();
    for (const name of ['held', 'free']) await h.service.create({ name, labels: { g: 'x' } }, MANAGER);
    const now = h.clock.now();
    await h.repo.mutate('held', (r) =>
      isWorker(r)
        ? {
            ...r,
            op: {
              id: 'other-op',
              owner: 'other-function',
              generation: r.spec_generation,
              expires_at: new Date(now + 60_000).toISOString(),
            },
          }
        : undefined,
    );
    const stopsBefore = h.backend.calls.filter((c) => c.step === 'stop').map((c) => c.resourceName);

    const result = await h.service.fleetAction(MANAGER, {
      action: 'sleep',
      selector: { labels: { g: 'x' } },
      max: 2,
      dryRun: false,
    });

    expect(result.results).toEqual([
      { name: 'free', outcome: 'began' },
      { name: 'held', outcome: 'began' },
    ]);
    const held = await recordOf(h, 'held');
    expect(held.desired).toBe('sleeping');
    // Still the other function's lease: it sees the moved generation before it releases.
    expect(held.op?.owner).toBe('other-function');
    const stops = h.backend.calls.filter((c) => c.step === 'stop').slice(stopsBefore.length);
    expect(stops).toHaveLength(1);
    expect((await recordOf(h, 'free')).phase).toBe('sleeping');
  });

  it('counts every match when refusing over max, and acts on none', async () => {
    const h = makeHarness();
    for (let i = 0; i < 12; i++) await h.service.create({ name: `m${i}`, labels: { g: 'y' } }, MANAGER);
    const refused = await h.service
      .fleetAction(MANAGER, { action: 'delete', selector: { labels: { g: 'y' } }, max: 5, dryRun: false })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 409, code: 'max_exceeded', details: { matched: 12, max: 5 } });
    expect((await recordOf(h, 'm0')).desired).toBe('running');
  });
});
