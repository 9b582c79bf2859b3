/**
 * Team quotas across incarnations of one worker name: a slot belongs to one uid.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { isWorker } from '../../../src/lifecycle/model/record';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { createTeam, readTeam } from '../../../src/lifecycle/teams/records';
import { HookedStore, makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('team quota', () => {
  it('a name re-created before its old delete released the slot holds a slot of its own uid', async () => {
    // The bug: reserveName treated a slot held by the name as taken, whatever uid held it. A worker re-created
    // right after its tombstone was written (before the delete's clean-up ran) kept the old uid's slot; the
    // clean-up then released that slot by the old uid, and the team could create past max_workers.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    await createTeam(h.ctx, 'blue', { max_workers: 2 });
    await h.service.create({ name: 'w1', team: 'blue' }, MANAGER);
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (!armed || op !== 'get' || key !== layout.team('blue')) return;
      const stored = (await h.repo.read('w1'))?.value;
      if (isWorker(stored)) return;
      // The tombstone is written and the delete's clean-up is about to release the slot: re-create the name.
      armed = false;
      await h.service.create({ name: 'w1', team: 'blue' }, MANAGER);
    };

    await h.service.delete('w1', MANAGER);

    expect(armed).toBe(false);
    const reborn = await recordOf(h, 'w1');
    expect((await readTeam(h.ctx, 'blue'))?.members.w1?.uid).toBe(reborn.uid);
    await h.service.create({ name: 'w2', team: 'blue' }, MANAGER);
    const third = await h.service.create({ name: 'w3', team: 'blue' }, MANAGER).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ConflictError);
    expect((third as ConflictError).code).toBe('quota_exceeded');
  });
});
