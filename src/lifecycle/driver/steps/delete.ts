/**
 * A round toward `deleted`: delete the resource, and settle once the backend no longer knows it.
 *
 * @module
 */

import type { BackendRef, WorkerBackend } from '../../../backends/port';
import { ASYNC_RECHECK_MS, type Observation } from '../types';

export async function deleteStep(backend: WorkerBackend, ref: BackendRef): Promise<Observation> {
  await backend.delete(ref);
  const status = await backend.status(ref);
  return status.state === 'not_found'
    ? { status, settled: true, forgetResource: true }
    : { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
}
