/**
 * Waiting for a worker to be ready, the way the API means it to be done: `POST /workers/{name}/ensure-ready` in
 * short rounds. Each round also drives the worker's pending operation on the server, so a wait never depends on the
 * sweeper, and each answer is a fresh view of the worker to report as progress.
 *
 * @module
 */
import type { Client } from 'openapi-fetch';
import { OrchestratorApiError, unwrap } from './errors';
import type { paths } from './schema';
import type { Worker } from './types';

/**
 * How long the server may hold one round. Short, so progress (the phase and its reason) is reported about every
 * two seconds; the server itself caps a round at 20 s.
 */
const ROUND_SECONDS = 2;

export interface WaitOptions {
  /** Give up after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Called after every round with the worker as the server saw it. */
  onProgress?: (worker: Worker) => void;
  signal?: AbortSignal;
}

export type WaitResult = { ready: true; worker: Worker } | { ready: false; worker: Worker | undefined };

/**
 * Wakes the worker if needed and resolves when it is ready, or with `ready: false` when `timeoutMs` passes. A
 * worker that failed, is being deleted or has expired throws the server's 409 as an `OrchestratorApiError`; an
 * aborted `signal` throws its reason (an `AbortError`) at the latest when the round in flight ends.
 *
 * @example
 * const { ready } = await waitUntilReady(client, 'alice', { onProgress: (w) => console.log(w.phase) });
 */
export async function waitUntilReady(
  client: Client<paths>,
  name: string,
  options: WaitOptions = {},
): Promise<WaitResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let last: Worker | undefined;
  for (;;) {
    // Checked every round, not only handed to fetch: a fetch that ignores the signal (an in-process app, some
    // runtimes' custom fetch) must not keep the loop polling after the caller gave up.
    options.signal?.throwIfAborted();
    const left = Math.ceil((deadline - Date.now()) / 1000);
    const result = await client.POST('/workers/{name}/ensure-ready', {
      params: { path: { name }, query: { timeout_seconds: Math.max(0, Math.min(ROUND_SECONDS, left)) } },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    last = unwrap(result);
    options.onProgress?.(last);
    if (result.response.status === 200) return { ready: true, worker: last };
    if (result.response.status !== 202) throw new OrchestratorApiError(result.response.status, result.error);
    if (Date.now() >= deadline) return { ready: false, worker: last };
    // A 202 from a round that returned early (the server's own wait was cut short) must not become a busy loop.
    await pause(250, options.signal);
  }
}

/** A short pause between rounds that an abort ends at once (the next round then throws). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
