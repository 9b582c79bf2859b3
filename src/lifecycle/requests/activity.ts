/**
 * The activity intent: work was assigned, so the idle clock restarts (optionally waking the worker first).
 *
 * @module
 */

import { ConflictError, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import { type Actor, AWAKE_PHASES, isAwake, iso } from '../model';
import { applyIntent, type IntentResult } from './intent';
import { wakeBuild } from './wake-sleep';

/**
 * Work was assigned: the idle clock restarts (and an optional lease holds it off). Moves deadlines later only.
 * Whether the worker is awake is decided inside the conditional write, on the record it replaces: a sleep that
 * lands between a first read and this write must turn the answer into 409, not assign work to a stopping worker.
 * With `wake`, the answer comes after the wake was driven, from the record as it is then: a sleep or delete that
 * landed during that drive (another request's) is answered 409 too, since the worker will not do the work.
 */
export async function recordActivity(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { leaseSeconds?: number; wake?: boolean },
): Promise<IntentResult> {
  if (options.leaseSeconds !== undefined && options.leaseSeconds < 0) {
    throw new ValidationError('lease_seconds must be >= 0', 'lease_seconds');
  }
  const wakeIt = wakeBuild(actor);
  const result = await applyIntent(ctx, name, actor, (record, now) => {
    const awake = record.desired === 'running' && isAwake(record);
    if (!awake && !options.wake) {
      throw new ConflictError(
        `worker ${name} is not awake (phase ${record.phase}); add ?wake=true to wake it`,
        'not_awake',
      );
    }
    const base = awake ? record : (wakeIt(record, now) ?? record);
    const leaseEnd = options.leaseSeconds ? now + options.leaseSeconds * 1000 : undefined;
    const previousLease = record.activity_lease_until ? Date.parse(record.activity_lease_until) : 0;
    return {
      ...base,
      last_activity_at: iso(now),
      ...(leaseEnd && leaseEnd > previousLease ? { activity_lease_until: iso(leaseEnd) } : {}),
    };
  });
  const { phase } = result.worker;
  if (!AWAKE_PHASES.has(phase)) {
    throw new ConflictError(
      `worker ${name} is no longer awake (phase ${phase}): a request that landed meanwhile put it to sleep or deleted it`,
      'not_awake',
    );
  }
  return result;
}
