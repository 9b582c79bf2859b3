/**
 * `--wait` for the commands that make a worker ready (create, wake, ensure-ready): the typed client's
 * `waitUntilReady` with the progress line on stderr, so `--json` output on stdout stays one document.
 *
 * @module
 */
import { type OrchestratorClient, type Worker, waitUntilReady } from '../../../client';
import { CliError, EXIT } from '../../exit';
import { handleInterrupts } from '../../interrupt';
import type { CliIo } from '../../io';
import { elapsedSince, startProgress } from '../../render/progress';

/** A cold start pulls an image and boots a container; five minutes covers a slow pull without hiding a hang. */
export const DEFAULT_WAIT_SECONDS = 300;

export async function waitReady(
  io: CliIo,
  client: OrchestratorClient,
  name: string,
  timeoutSeconds: number,
  /** The worker as the command that began the wait answered it (create, wake): the first progress line. */
  initial?: Worker,
  /** Sees the worker after every round (create keeps the latest, to print it whatever the wait's outcome). */
  onWorker?: (worker: Worker) => void,
): Promise<Worker> {
  // Ctrl-C stops the wait here, which says so and exits 130 (claimed before the first line is shown).
  const release = handleInterrupts(io.signal);
  const started = Date.now();
  const progress = startProgress(io.stderr, name);
  if (initial) progress.update(initial);
  try {
    const result = await waitUntilReady(client, name, {
      timeoutMs: timeoutSeconds * 1000,
      onProgress: (worker) => {
        progress.update(worker);
        onWorker?.(worker);
      },
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (result.ready) {
      progress.done(`${name} is ready after ${elapsedSince(started)}`);
      return result.worker;
    }
    const phase = result.worker ? `${result.worker.phase} (${result.worker.reason})` : 'unknown';
    progress.done(`${name} is not ready after ${elapsedSince(started)}`);
    throw new CliError(`${name} was not ready within ${timeoutSeconds}s; it is ${phase}`, EXIT.notReady);
  } catch (error) {
    if (io.signal?.aborted) {
      progress.done(`stopped waiting for ${name} (it goes on without us)`);
      throw new CliError('interrupted', EXIT.interrupted);
    }
    if (!(error instanceof CliError)) progress.done(`stopped waiting for ${name}`);
    throw error;
  } finally {
    release();
  }
}
