/**
 * Waiting for a cloud to finish what it started: every change on SAE and ECS is asynchronous, so each row reads
 * the resource until it is where the step expects, or the wait times out and the row shows the last state seen.
 *
 * @module
 */
import type { Polling } from './step';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Polled<T> {
  value: T;
  met: boolean;
  elapsedMs: number;
}

/**
 * Reads until `done(value)`, `stop(value)` (a state that will not turn into the one awaited, e.g. a failed
 * change order) or the timeout. `seen` is called with every value read: how a step watches what happens on the
 * way (instances that ran at once during a deploy), not only where it ends.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  polling: Polling,
  options: { stop?: (value: T) => boolean; seen?: (value: T) => void } = {},
): Promise<Polled<T>> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    options.seen?.(value);
    const elapsedMs = Date.now() - started;
    if (done(value)) return { value, met: true, elapsedMs };
    if (options.stop?.(value) || elapsedMs + polling.intervalMs > polling.timeoutMs) {
      return { value, met: false, elapsedMs };
    }
    await sleep(polling.intervalMs);
  }
}
