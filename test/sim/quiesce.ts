/**
 * Quiescence: every fault off, every invocation let finish, then the fleet left alone — its worker processes
 * still heartbeating, the sweeper running on schedule — until the retention and orphan horizons have passed and
 * every record is settled. What is still wrong after that is wrong for good.
 */
import { MANAGER } from '../../src/lifecycle/model/actor';
import { Actors } from './actors';
import { isSettled } from './invariants';
import { snapshot } from './invariants/snapshot';
import { NO_FAULTS } from './options';
import type { World } from './world';

const MAX_ROUNDS = 120;
const RUN_MS = 60_000;

/** How long after its deletion an incarnation may still leave traces: a full scan pass, twice, plus a few runs. */
export const retentionSlackMs = (world: World) =>
  2 * world.sweeper.fullScanIntervalSeconds * 1000 + 10 * RUN_MS;
/** A hint this far past its time at quiescence was skipped. */
export const STALE_HINT_MS = 5 * RUN_MS;

export async function quiesce(world: World): Promise<void> {
  world.scheduler.faults = { ...NO_FAULTS.schedule };
  world.bucket.faults = { ...NO_FAULTS.store };
  world.cloud.faults = { ...NO_FAULTS.backend };
  world.receiver.outage = 0;
  world.scheduler.note('--- quiescence: faults off ---');
  await world.scheduler.runUntilIdle();
  const actors = new Actors(world);
  // Schedules keep waking and sleeping the fleet: it is left alone once the manager has removed them.
  for (const { name } of snapshot(world).workers.filter((w) => w.schedule)) {
    actors.spawn(`unschedule ${name}`, (t) => world.serviceFor(t).update(name, { schedule: null }, MANAGER));
  }
  await world.scheduler.runUntilIdle();
  const started = world.now();
  const orphanHorizon =
    started + 3 * (world.sweeper.orphanGraceSeconds + world.sweeper.fullScanIntervalSeconds) * 1000;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    actors.reportAll();
    await world.scheduler.runUntilIdle();
    actors.act('sweep');
    await world.scheduler.runUntilIdle();
    const s = snapshot(world);
    const lastTombstone = Math.max(0, ...[...world.history.tombstoned.values()].map((t) => t.at));
    const horizon = Math.max(
      orphanHorizon,
      lastTombstone + world.sweeper.tombstoneRetentionSeconds * 1000 + retentionSlackMs(world),
    );
    const outboxEmpty = !s.keys.some((key) => key.startsWith('outbox/'));
    if (s.now >= horizon && s.workers.every(isSettled) && outboxEmpty) return;
    const nextHint = Math.min(...s.hints.map((h) => h.atMs));
    const step = Math.max(
      RUN_MS,
      Math.min(nextHint - s.now + 1000, world.sweeper.fullScanIntervalSeconds * 1000),
    );
    world.scheduler.advance(step);
  }
}
