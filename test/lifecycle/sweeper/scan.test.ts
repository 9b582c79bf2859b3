/**
 * The full scan and the housekeeping around deleted workers: hints of deleted workers go, tombstones go after
 * 24 h with the events of their incarnation, old events are trimmed, a lost roster is rebuilt, and env values
 * no live record names (a create or a delete that died half-way) are removed past a grace.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import {
  createReady,
  eventsOf,
  type Harness,
  HookedStore,
  hintsOf,
  makeHarness,
  QUIET,
  recordOf,
} from '../../support/lifecycle-harness';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('full scan and housekeeping', () => {
  it('deletes the hints of a worker that no longer exists', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1', idle_timeout_seconds: 600 });
    await h.service.delete('w1', MANAGER);
    expect((await h.repo.read('w1'))?.value.kind).toBe('tombstone');
    expect((await hintsOf(h, 'w1')).length).toBeGreaterThan(0);
    h.clock.advance(11 * MIN);

    const report = await runSweep(h.ctx);

    expect(report.hints_removed).toBeGreaterThan(0);
    // One hint per worker per run; the leftovers go in the next.
    await runSweep(h.ctx);
    expect(await hintsOf(h, 'w1')).toEqual([]);
  });

  it('removes a tombstone older than 24 h together with the events of its incarnation, and not before', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'gone' });
    await createReady(h, { name: 'kept', idle_timeout_seconds: 0 });
    await h.service.delete('gone', MANAGER);
    expect((await eventsOf(h, 'gone')).length).toBeGreaterThan(0);
    h.clock.advance(23 * HOUR);
    await runSweep(h.ctx);
    expect((await h.repo.read('gone'))?.value.kind).toBe('tombstone');

    h.clock.advance(2 * HOUR);
    const report = await runSweep(h.ctx);

    expect(report.tombstones_removed).toBe(1);
    expect(await h.repo.read('gone')).toBeNull();
    expect((await h.store.list(layout.eventsPrefix('gone'))).keys).toEqual([]);
    expect((await recordOf(h, 'kept')).phase).toBe('ready');
    expect((await eventsOf(h, 'kept')).length).toBeGreaterThan(0);
  });

  it('does not remove a tombstone that a create replaced after the sweeper read it (the removal is conditional)', async () => {
    let hooked: HookedStore | undefined;
    const h = makeHarness({
      settings: QUIET,
      wrapStore: (store) => {
        hooked = new HookedStore(store);
        return hooked;
      },
    });
    await createReady(h, { name: 'w1' });
    await h.service.delete('w1', MANAGER);
    await runSweep(h.ctx);
    h.clock.advance(25 * HOUR);
    let armed = true;
    hooked!.hook = async (op, key) => {
      if (armed && op === 'delete' && key === layout.worker('w1')) {
        armed = false;
        await createReady(h, { name: 'w1', idle_timeout_seconds: 0 });
      }
    };

    const report = await runSweep(h.ctx);

    expect(armed).toBe(false);
    expect(report.tombstones_removed).toBe(0);
    expect((await recordOf(h, 'w1')).phase).toBe('ready');
  });

  it('trims the events of a long-lived worker to the retention', async () => {
    const h = makeHarness({ settings: { ...QUIET, eventRetentionDays: 2 } });
    const record = await createReady(h, { name: 'w1', idle_timeout_seconds: 0 });
    const firstEvents = (await eventsOf(h, 'w1')).length;
    h.clock.advance(3 * 24 * HOUR);
    await h.service.sleep('w1', MANAGER);
    expect((await eventsOf(h, 'w1')).length).toBeGreaterThan(firstEvents);

    await runSweep(h.ctx);

    const left = await eventsOf(h, 'w1');
    expect(left.every((e) => Date.parse(e.at) >= Date.parse(record.created_at) + 2 * 24 * HOUR)).toBe(true);
    expect(left.map((e) => e.to)).toEqual(['stopping', 'sleeping']);
  });

  it('rebuilds a lost roster with a full scan before trusting it, without false repairs or orphans', async () => {
    const h = makeHarness({ settings: QUIET });
    for (const name of ['a', 'b', 'c']) await createReady(h, { name });
    await runSweep(h.ctx);
    await h.store.delete(layout.sweeperRoster);
    h.clock.advance(MIN);

    const report = await runSweep(h.ctx);
    h.clock.advance(HOUR);
    const later = await runSweep(h.ctx);

    for (const r of [report, later]) {
      expect(r).toMatchObject({ hint_repaired: 0, errors: 0, orphans: { candidates: 0 } });
    }
    const roster = JSON.parse((await h.store.get(layout.sweeperRoster))!.body);
    expect(roster.complete).toBe(true);
    expect(Object.keys(roster.entries).sort()).toEqual(['a', 'b', 'c']);
  });
  it('removes the env values a create left when it died before its record, once past the grace, and not before', async () => {
    // A create writes secrets/<name>/<uid>.json first; dying before the record left the values with nothing that
    // would ever remove them (every clean-up started from a record).
    let hooked: HookedStore | undefined;
    const h = makeHarness({
      settings: QUIET,
      wrapStore: (store) => {
        hooked = new HookedStore(store);
        return hooked;
      },
    });
    await createReady(h, { name: 'kept', env: { TOKEN: 'k' } });
    // The function is killed as it sends its record: that write and everything after it never happen.
    let dead = false;
    hooked!.hook = (op, key) => {
      if (op === 'put' && key === layout.worker('w1')) dead = true;
      if (dead) throw new Error('function killed');
    };
    await expect(h.service.create({ name: 'w1', env: { TOKEN: 'v' } }, MANAGER)).rejects.toThrow();
    hooked!.hook = undefined;
    const left = await secretKeys(h, 'w1');
    expect(left).toHaveLength(1);

    // Within the grace the create could still be at work: the first pass leaves the values alone.
    h.clock.advance(MIN);
    expect((await runSweep(h.ctx)).secrets_removed).toBe(0);
    expect(await secretKeys(h, 'w1')).toEqual(left);

    // The next pass (a full-scan interval later) removes them; a live worker's stay.
    h.clock.advance(HOUR);
    const report = await runSweep(h.ctx);
    expect(report).toMatchObject({ secrets_removed: 1, errors: 0 });
    expect(await secretKeys(h, 'w1')).toEqual([]);
    expect(await secretKeys(h, 'kept')).toEqual([layout.secrets('kept', (await recordOf(h, 'kept')).uid)]);
  });

  it("removes a deleted incarnation's env values when a re-create replaced its tombstone before the clean-up", async () => {
    let hooked: HookedStore | undefined;
    const h = makeHarness({
      settings: QUIET,
      wrapStore: (store) => {
        hooked = new HookedStore(store);
        return hooked;
      },
    });
    const old = await createReady(h, { name: 'w1', env: { TOKEN: 'old' } });
    // The delete writes its tombstone and dies before removing the values.
    hooked!.hook = (op, key) => {
      if (op === 'delete' && key.startsWith('secrets/')) throw new Error('function killed');
    };
    await h.service.delete('w1', MANAGER).catch(() => undefined);
    hooked!.hook = undefined;
    expect((await h.repo.read('w1'))?.value.kind).toBe('tombstone');
    const renewed = await createReady(h, { name: 'w1', env: { TOKEN: 'new' } });
    expect(await secretKeys(h, 'w1')).toHaveLength(2);

    h.clock.advance(16 * MIN);
    const report = await runSweep(h.ctx);

    expect(report).toMatchObject({ secrets_removed: 1, errors: 0 });
    expect(await secretKeys(h, 'w1')).toEqual([layout.secrets('w1', renewed.uid)]);
    expect(old.uid).not.toBe(renewed.uid);
  });
});

async function secretKeys(h: Harness, name: string): Promise<string[]> {
  return (await h.store.list(`secrets/${name}/`)).keys.map((k) => k.key);
}
