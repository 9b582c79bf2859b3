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

  it('a stale reservation is cleared only as it was judged: a name re-created meanwhile keeps its slot', async () => {
    // The bug: a create at the quota collected stale reservations (names with no live record) by name, then
    // deleted those names in its next write. A create of such a name that re-bound the slot in between lost it,
    // and the team ended with one live worker more than max_workers.
    let hooked: HookedStore | undefined;
    const h = makeHarness({ wrapStore: (store) => (hooked = new HookedStore(store)) });
    await createTeam(h.ctx, 'blue', { max_workers: 2 });
    // A create of w1 dies right after reserving its slot: the reservation goes stale.
    let dead = false;
    hooked!.hook = (op, key) => {
      if (op === 'put' && key === layout.worker('w1')) dead = true;
      if (dead) throw new Error('function killed');
    };
    await h.service.create({ name: 'w1', team: 'blue' }, MANAGER).catch(() => undefined);
    hooked!.hook = undefined;
    await h.service.create({ name: 'w2', team: 'blue' }, MANAGER);
    h.clock.advance(6 * 60_000);
    let judged = false;
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (armed && op === 'get' && key === layout.worker('w1')) judged = true;
      if (!armed || !judged || op !== 'get' || key !== layout.team('blue')) return;
      // The create of w3 has judged w1's reservation stale; w1 is created again before it clears it.
      armed = false;
      await h.service.create({ name: 'w1', team: 'blue' }, MANAGER);
    };

    const third = await h.service.create({ name: 'w3', team: 'blue' }, MANAGER).catch((e: unknown) => e);

    expect(armed).toBe(false);
    expect(third).toBeInstanceOf(ConflictError);
    expect((third as ConflictError).code).toBe('quota_exceeded');
    const w1 = await recordOf(h, 'w1');
    expect((await readTeam(h.ctx, 'blue'))?.members.w1?.uid).toBe(w1.uid);
  });
});
