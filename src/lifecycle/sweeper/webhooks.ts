/**
 * The sweeper's webhook step: every outbox entry its maker could not deliver (receiver down, function killed
 * between the record write and the delivery, an entry whose write is not yet confirmed) is tried again here,
 * when its backoff allows, until it is delivered or dead-lettered.
 *
 * @module
 */

import type { OrphanMemo } from './lock';
import type { SweepRun } from './run';

/** How often dead letters past their retention and orphaned signing secrets are looked for. */
const HOUSEKEEPING_EVERY_MS = 3600_000;

export async function deliverWebhooks(run: SweepRun): Promise<void> {
  const webhooks = run.ctx.webhooks;
  if (!webhooks) return;
  const state = run.state.webhooks;
  const { errors, last } = await webhooks.deliverDue(() => run.hasTime(), 500, state.after);
  if (last !== undefined) state.after = last;
  else delete state.after;
  for (const error of errors) run.fail('webhooks', 'outbox', new Error(error));
  const now = run.ctx.clock.now();
  if (run.hasTime() && now - (state.housekept_at ?? 0) >= HOUSEKEEPING_EVERY_MS) {
    // Dead letters are kept as long as the event history (EVENT_RETENTION_DAYS).
    await webhooks.housekeep(run.ctx.settings.eventRetentionDays * 86_400_000);
    state.housekept_at = now;
  }
}

/**
 * `worker.orphan_found`: a resource of this deployment that no record owns, about to be acted on (reported,
 * stopped) for the first time. It reports no record write, so it is filed already confirmed; a failed filing throws,
 * which leaves the orphan for the next run.
 */
export async function announceOrphan(run: SweepRun, memo: OrphanMemo): Promise<void> {
  await run.ctx.webhooks?.announce(memo.worker, 'worker.orphan_found', {
    uid: memo.uid,
    backend: memo.backend,
    resource: memo.resource_name,
    action: run.settings.orphanAction,
    reason: 'orphan',
  });
}
