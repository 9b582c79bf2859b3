/**
 * The sweeper's share of idempotency keys: delete the entries whose 24 h are over. They are indexed by expiry
 * when written, so a run lists only what is due (one listing when nothing is), never the whole key space; a
 * lifecycle rule on the bucket would also do, but not on every store this runs on (the emulator's), and an entry
 * past its expiry is already ignored on read, so the sweeper's pace only bounds storage, never correctness.
 *
 * @module
 */

import { IdempotencyKeys } from '../persistence';
import type { SweepRun } from './run';

/** Index keys looked at per run: one listing page; the rest wait for the next run. */
const PER_RUN = 500;

export async function deleteExpiredIdempotencyKeys(run: SweepRun): Promise<void> {
  if (!run.hasTime()) return;
  const removed = await new IdempotencyKeys(run.ctx.repo.store).deleteExpired(run.now(), PER_RUN);
  if (removed > 0) run.ctx.log.info('idempotency keys expired', { removed });
}
