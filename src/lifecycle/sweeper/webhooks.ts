/**
 * The sweeper's webhook step: every outbox entry its maker could not deliver (receiver down, function killed
 * between the record write and the delivery, an entry whose write is not yet confirmed) is tried again here,
 * when its backoff allows, until it is delivered or dead-lettered.
 *
 * @module
 */

import type { OrphanMemo } from './lock';
import type { SweepRun } from './run';

export async function deliverWebhooks(run: SweepRun): Promise<void> {
  const webhooks = run.ctx.webhooks;
  if (!webhooks) return;
  const { errors, last } = await webhooks.deliverDue(() => run.hasTime(), 500, run.state.webhooks.after);
  run.state.webhooks = last !== undefined ? { after: last } : {};
  for (const error of errors) run.fail('webhooks', 'outbox', new Error(error));
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
