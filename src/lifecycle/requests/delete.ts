/**
 * The delete intent: `DELETE` from every phase, and the build the sweeper uses for an expired worker.
 *
 * @module
 */

import { ConflictError, ForbiddenError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Reason } from '../model';
import { type Actor, actorLabel, isLeaseLive, isWorker, resetAttempts, transition } from '../model';
import { actorOwns } from '../teams';
import { applyIntent, type Build, bumpSpec, type IntentOptions } from './intent';
import { goneMismatch } from './version';

export function deleteBuild(actor: Actor, reason: Reason = 'manual', force = false): Build {
  return (record, now) => {
    if (record.desired === 'deleted') return undefined;
    if (record.deletion_protection && !force) {
      throw new ConflictError(
        `worker ${record.name} has deletion_protection; use ?force=true to delete it anyway`,
        'deletion_protected',
      );
    }
    return transition(
      { ...resetAttempts(bumpSpec(record)), desired: 'deleted' },
      'deleting',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

/**
 * DELETE: 204 whether it existed or not, from every phase. With `ifMatch`, a worker that is not there (or not the
 * caller's) is 412 instead, and the version is compared inside the write that records the delete.
 */
export async function deleteWorker(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  force: boolean,
  options: IntentOptions = {},
) {
  const current = (await ctx.repo.read(name))?.value;
  // Another team's worker answers as one that is not there: 204, and nothing done.
  if (!isWorker(current) || !actorOwns(actor, current)) {
    if (options.ifMatch) throw goneMismatch(name);
    return;
  }
  const driven = current.op && Date.parse(current.op.expires_at) > ctx.clock.now();
  if (current.desired === 'deleted' && driven && !options.ifMatch) return;
  if (force && actor.kind === 'team') {
    // deletion_protection is the manager's to set, so overriding it is the manager's too.
    throw new ForbiddenError('force can be used with a manager key only', { details: { field: 'force' } });
  }
  await applyIntent(
    ctx,
    name,
    actor,
    (record, now) => {
      const next = deleteBuild(actor, 'manual', force)(record, now);
      // A delete already recorded but no longer driven (its driver died): take it over.
      return next ?? (isLeaseLive(record, now) ? undefined : bumpSpec(record));
    },
    options,
  );
}
