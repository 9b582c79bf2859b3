/**
 * The round's two ways to stop: its deadline (its caller has answered) and a lost lease.
 *
 * @module
 */

import type { Clock } from '../model';

/** The round's deadline passed: its caller has answered; the round must not act any more. */
export class DeadlineReached extends Error {}
/** The worker's operation lease is no longer ours. */
export class LeaseLost extends Error {}

/**
 * Races `work` against the deadline. When the deadline wins, `abort` (the round's controller) is aborted too, so
 * backend calls still in flight are cancelled rather than left to land after the caller has answered. The timer
 * is the clock's own where it has one (the simulator's virtual time), else a real one.
 */
export async function withDeadline<T>(
  clock: Clock,
  work: Promise<T>,
  deadline: number,
  abort?: AbortController,
): Promise<T> {
  const remaining = Math.max(0, deadline - clock.now());
  let cancel = () => {};
  const timeout = new Promise<never>((_, reject) => {
    const fire = () => {
      abort?.abort(new DeadlineReached());
      reject(new DeadlineReached());
    };
    if (clock.setTimer) cancel = clock.setTimer(fire, remaining);
    else {
      const timer = setTimeout(fire, remaining);
      cancel = () => clearTimeout(timer);
    }
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    cancel();
  }
}
