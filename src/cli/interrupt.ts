/**
 * Ctrl-C. A command that waits or watches handles the first one itself: a watch ends with exit 0, a wait says it
 * stopped and exits 130. Any other command has nothing to finish, so `runCli` ends it at once with 130: its first
 * Ctrl-C must not be swallowed while it sits on a slow or hung request.
 *
 * @module
 */

/** How many waits or watches of a run are handling its Ctrl-C right now, by the run's signal. */
const handlers = new WeakMap<AbortSignal, number>();

/**
 * Says that the caller handles Ctrl-C (it watches `signal` itself) until the returned release is called.
 *
 * @example
 * const release = handleInterrupts(io.signal);
 * try { await waitForSomething(io.signal); } finally { release(); }
 */
export function handleInterrupts(signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  handlers.set(signal, (handlers.get(signal) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    handlers.set(signal, (handlers.get(signal) ?? 1) - 1);
  };
}

/** Resolves when `signal` is aborted while nothing handles it; never without a signal. */
export function unhandledInterrupt(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    const check = () => {
      if (!handlers.get(signal)) resolve();
    };
    if (signal.aborted) check();
    else signal.addEventListener('abort', check, { once: true });
  });
}
