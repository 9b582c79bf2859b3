/**
 * The wake and sleep intents (`/start`, `/wake`, `/stop`, `/sleep`), also built on by ensure-ready, activity and
 * the sweeper's own sleeps (idle, ttl_blocked).
 *
 * @module
 */

import { ConflictError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Reason } from '../model';
import { type Actor, actorLabel, bumpBoot, isExpired, iso, resetAttempts, transition } from '../model';
import { applyIntent, type Build, bumpSpec, type IntentOptions, refuseWhenDeleting } from './intent';

/** The wake intent, shared by `/start`, `/wake`, ensure-ready and `activity?wake=true`. */
export function wakeBuild(actor: Actor, reason: Reason = 'manual'): Build {
  return (record, now) => {
    refuseWhenDeleting(record);
    if (isExpired(record, now)) throw new ConflictError(`worker ${record.name} has expired`, 'expired');
    if (record.unmanaged) {
      throw new ConflictError(
        `worker ${record.name} is not managed here: its resource is never started`,
        'unmanaged',
      );
    }
    const awake = record.desired === 'running' && record.phase !== 'failed';
    // Waking an awake worker changes nothing on the backend, but it is activity: it restarts the
    // idle clock, so a sweeper that decided to sleep the worker a moment earlier loses its conditional write.
    if (awake) return { ...record, last_activity_at: iso(now) };
    // Awake, the worker has a resource again: a removal asked for by the last sleep no longer describes it.
    const { sleep_removes_resource: _removed, ...asleep } = record;
    const woken = bumpBoot(resetAttempts(bumpSpec(asleep)), now);
    return transition(
      { ...woken, desired: 'running', woke_at: iso(now), last_activity_at: iso(now) },
      'starting',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

export const wake = (ctx: LifecycleContext, name: string, actor: Actor, options: IntentOptions = {}) =>
  applyIntent(ctx, name, actor, wakeBuild(actor), options);

/**
 * The sleep intent; the sweeper uses it with reason `idle`. `removeResource` deletes the resource instead of
 * stopping it (the record stays; a wake creates a new one). Each sleep sets or clears that choice, so an idle sleep
 * after a wake never inherits an earlier removal.
 */
export function sleepBuild(actor: Actor, reason: Reason = 'manual', removeResource = false): Build {
  return (record, now) => {
    refuseWhenDeleting(record);
    if (record.desired === 'sleeping' && (record.sleep_removes_resource ?? false) === removeResource)
      return undefined;
    const { sleep_removes_resource: _previous, ...rest } = record;
    return transition(
      {
        ...resetAttempts(bumpSpec(rest)),
        desired: 'sleeping',
        ...(removeResource ? { sleep_removes_resource: true as const } : {}),
      },
      'stopping',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

export const sleep = (
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  removeResource = false,
  options: IntentOptions = {},
) => applyIntent(ctx, name, actor, sleepBuild(actor, 'manual', removeResource), options);
