/**
 * The outbox's two promises, checked against what the receiver got and what the bucket committed.
 */
import type { Violation } from '../history';
import type { World } from '../world';

/** After every step: nothing arrives for a transition that was never committed (a write that lost its CAS). */
export function webhookForCommit(world: World): Violation[] {
  const out: Violation[] = [];
  for (const [id, got] of world.receiver.delivered) {
    // These report no record write: a resource found, credentials handed out.
    if (got.type === 'worker.orphan_found' || got.type === 'credentials.issued') continue;
    const made = world.receiver.committed.get(id);
    if (!made || made.type !== got.type || made.at !== got.at)
      out.push({
        invariant: 'webhook_for_commit',
        message: `${got.name}: ${got.type} ${id} at ${got.at} was delivered but no such transition was committed`,
      });
  }
  return out;
}

/** At quiescence: every committed transition's event was delivered or dead-lettered, however functions died. */
export function webhookDelivered(world: World, keys: readonly string[]): Violation[] {
  const dead = keys.filter((key) => key.startsWith('webhooks/dead/'));
  const out: Violation[] = [];
  for (const [id, made] of world.receiver.committed) {
    if (world.receiver.delivered.has(id) || dead.some((key) => key.endsWith(`/${id}.json`))) continue;
    out.push({
      invariant: 'webhook_delivered',
      message: `${made.name}: ${made.type} ${id} (transition at ${made.at}) was committed but never delivered`,
    });
  }
  return out;
}
