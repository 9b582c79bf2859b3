/**
 * A round toward `sleeping`: stop whatever runs (also a resource a lost create left under the derived name), or
 * remove it where the sleep removes the resource; settle once the backend shows nothing running.
 *
 * @module
 */

import type { BackendRef, WorkerBackend } from '../../../backends/port';
import type { BackendRefRecord, Phase, WorkerRecord } from '../../model';
import { ASYNC_RECHECK_MS, type Observation } from '../types';
import { refRecord } from './ref';

export async function sleepStep(
  backend: WorkerBackend,
  ref: BackendRef,
  record: WorkerRecord,
): Promise<Observation> {
  // Keep the reason of the sleep (idle, ttl_blocked, manual) on the transition that completes it.
  const asleep = {
    settled: true,
    move: {
      from: ['stopping', 'pending'] as Phase[],
      to: 'sleeping' as Phase,
      reason: record.last_transition.reason,
    },
  };
  // An unmanaged worker's resource is not ours to touch.
  if (record.unmanaged) return asleep;
  let adopted: BackendRefRecord | undefined;
  if (!record.backend_ref) {
    // No resource recorded, but a holder that died after sending its create (before recording what it made)
    // may have left one, running, under the derived name: look it up before calling the worker asleep. A
    // worker created asleep has none, and settles here.
    const found = await backend.status(ref);
    // Nothing under the name may still leave something running beside it (Docker's `<name>-next`, left by an
    // update killed after it removed the old container): the stop below reaches that too.
    if (found.state === 'not_found' && found.instances.length === 0) return asleep;
    adopted = refRecord(found.ref ?? ref, found.consoleHostPort);
  }
  const learnt = adopted ? { ref: adopted } : {};
  if (record.sleep_removes_resource) return { ...(await removeWhileAsleep(backend, ref, record)), ...learnt };
  let status = await backend.status(ref);
  if (status.instances.length > 0 || status.state === 'running' || status.state === 'starting') {
    await backend.stop(ref);
    status = await backend.status(ref);
  }
  const stopped = status.instances.length === 0 && status.state !== 'running' && status.state !== 'starting';
  return stopped
    ? {
        status,
        ...learnt,
        settled: true,
        move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
      }
    : { status, ...learnt, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
}

/** A sleep that removes the resource: like a delete, but the record stays and a wake creates a new one. */
async function removeWhileAsleep(
  backend: WorkerBackend,
  ref: BackendRef,
  record: WorkerRecord,
): Promise<Observation> {
  await backend.delete(ref);
  const status = await backend.status(ref);
  if (status.state !== 'not_found') return { status, settled: false, recheckAfterMs: ASYNC_RECHECK_MS };
  return {
    status,
    settled: true,
    forgetResource: true,
    move: { from: ['stopping'], to: 'sleeping', reason: record.last_transition.reason },
  };
}
