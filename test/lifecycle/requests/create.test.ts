/**
 * Creating a worker when the backend fails: a create is rolled back only when the backend provably did nothing.
 */
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, StoreUnavailableError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { runSweep } from '../../../src/lifecycle/sweeper';
import type { PutOptions } from '../../../src/store/port';
import { HookedStore, makeHarness, recordOf } from '../../support/lifecycle-harness';

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

  it('keeps its env values when its record write landed unanswered and another request wrote over it before the check', async () => {
    // The bug: the retry found a live record whose write_id was not the create's (a wake had written since) and
    // took it for another create that won the name: it deleted the env values of its own, live incarnation.
    class LosingStore extends HookedStore {
      lose: ((key: string) => Promise<boolean>) | undefined;
      override async put(key: string, body: string, options?: PutOptions) {
        const written = await super.put(key, body, options);
        if (await this.lose?.(key)) throw new StoreUnavailableError('the response was lost');
        return written;
      }
    }
    let store: LosingStore | undefined;
    const h = makeHarness({ settings: QUIET, wrapStore: (inner) => (store = new LosingStore(inner)) });
    store!.lose = async (key) => {
      if (key !== layout.worker('w1')) return false;
      store!.lose = undefined;
      await h.service.wake('w1', MANAGER);
      return true;
    };

    await h.service.create({ name: 'w1', env: { TOKEN: 'v1' } }, MANAGER);

    const record = await recordOf(h, 'w1');
    expect(await h.store.get(layout.secrets('w1', record.uid))).not.toBeNull();
    expect(record.phase).not.toBe('failed');
  });
});
