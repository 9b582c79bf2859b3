/**
 * Manager intents racing other writers: each decision is made inside the conditional write that records it, on
 * the record it replaces, never on an earlier read.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBackend } from '../../../src/backends/fake';
import { ConflictError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { sleep } from '../../../src/lifecycle/requests/wake-sleep';
import { createReady, HookedStore, makeHarness, recordOf, sibling } from '../../support/lifecycle-harness';

describe('activity', () => {
  it('an activity whose write lands after a sleep is refused with not_awake and assigns no work', async () => {
    // The bug: recordActivity decided "awake" from its first read, then wrote with compare-and-swap. A sleep that
    // landed between the two made the CAS retry on a stopping record, which it then stamped with activity and
    // answered 200: the manager assigned work to a worker that was going to sleep.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    await createReady(h, { name: 'w1' });
    const before = await recordOf(h, 'w1');
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (!armed || op !== 'put' || key !== layout.worker('w1')) return;
      armed = false;
      // The activity has read the record and is about to write it; another function's sleep lands first, so the
      // activity's conditional write fails and is retried on the sleeping record.
      await sleep(sibling(h, 'other'), 'w1', MANAGER);
    };

    const outcome = await h.service.activity('w1', MANAGER, {}).catch((error: unknown) => error);

    expect(armed).toBe(false);
    expect(outcome).toBeInstanceOf(ConflictError);
    expect((outcome as ConflictError).code).toBe('not_awake');
    const record = await recordOf(h, 'w1');
    expect(record.desired).toBe('sleeping');
    expect(record.last_activity_at).toBe(before.last_activity_at);
  });

  it('an activity that wakes a worker is refused with not_awake when a sleep lands while its wake is driven', async () => {
    // The answer renders the record after the wake was driven; a sleep by another request that landed during
    // that drive made it 200 with phase stopping or sleeping: work assigned to a worker going to sleep.
    let armed = true;
    let h: ReturnType<typeof makeHarness> | undefined;
    h = makeHarness({
      wrapBackend: (backend) =>
        Object.assign(Object.create(backend) as FakeBackend, {
          start: async (...args: Parameters<FakeBackend['start']>) => {
            if (armed) {
              armed = false;
              // The manager's sleep lands behind the activity's live lease: recorded, carried out by that holder.
              await sleep(sibling(h!, 'other'), 'w1', MANAGER);
            }
            return backend.start(...args);
          },
        }),
    });
    await createReady(h, { name: 'w1' });
    await h.service.sleep('w1', MANAGER);
    expect((await recordOf(h, 'w1')).phase).toBe('sleeping');

    const outcome = await h.service.activity('w1', MANAGER, { wake: true }).catch((error: unknown) => error);

    expect(armed).toBe(false);
    expect(outcome).toBeInstanceOf(ConflictError);
    expect((outcome as ConflictError).code).toBe('not_awake');
    expect((await recordOf(h, 'w1')).desired).toBe('sleeping');
  });
});
