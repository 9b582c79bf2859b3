/**
 * The sweeper's webhook step: every outbox entry its maker could not deliver (receiver down, function killed
 * between the record write and the delivery, an entry whose write is not yet confirmed) is tried again here,
 * when its backoff allows, until it is delivered or dead-lettered.
 *
 * @module
 */

import type { SweepRun } from './run';

export async function deliverWebhooks(run: SweepRun): Promise<void> {
  const webhooks = run.ctx.webhooks;
  if (!webhooks) return;
  const { errors } = await webhooks.deliverDue(() => run.hasTime());
  for (const error of errors) run.fail('webhooks', 'outbox', new Error(error));
}
