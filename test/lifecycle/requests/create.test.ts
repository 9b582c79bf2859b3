/**
 * Creating a worker when the backend fails: a create is rolled back only when the backend provably did nothing.
 */
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { runSweep } from '../../../src/lifecycle/sweeper';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

const QUIET = { unresponsiveAfterSeconds: 365 * 86_400 };

describe('create rollback', () => {
  it('keeps the record of a create whose backend call may have landed, and the re-drive adopts the resource', async () => {
    // The bug: any BackendUnavailableError rolled the create back to a tombstone, but a timeout or a lost answer
    // also raises it after the backend made the resource. The record was gone while the resource existed (on SAE
    // untagged, so invisible to the inventory forever).
    const h = makeHarness({ settings: QUIET });
    h.backend.behave('create', {
      failAfterApplying: new BackendUnavailableError('the engine did not answer within 15s'),
      times: 1,
    });

    await h.service.create({ name: 'w1' }, MANAGER).catch(() => undefined);

    const kept = await recordOf(h, 'w1');
    const made = h.backend.allResources().filter((resource) => resource.spec.uid === kept.uid);
    expect(made).toHaveLength(1);
    h.clock.advance(60_000);
    await runSweep(h.ctx);
    const driven = await recordOf(h, 'w1');
    expect(driven.backend_ref?.id).toBe(made[0]!.ref.id);
    expect(h.backend.allResources()).toHaveLength(1);
  });

  it('rolls back a create whose backend call provably was never sent', async () => {
    const h = makeHarness({ settings: QUIET });
    h.backend.behave('create', {
      fail: new BackendUnavailableError('connection refused', { nothingSent: true }),
      times: 1,
    });

    await expect(h.service.create({ name: 'w1' }, MANAGER)).rejects.toBeInstanceOf(BackendUnavailableError);

    expect((await h.repo.read('w1'))?.value.kind).toBe('tombstone');
    expect(h.backend.allResources()).toHaveLength(0);
  });
});
