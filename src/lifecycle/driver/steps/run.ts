/**
 * A round toward `running`: create or recreate the resource when it is missing or its template is old, start it
 * when it is stopped, restart an instance that predates this boot; each start opens a boot its instance reports to.
 *
 * @module
 */

import type { BackendRef, BackendStatus, WorkerBackend } from '../../../backends/port';
import { BOOT_SKEW_MS, type WorkerRecord } from '../../model';
import type { DriveOptions, Observation, StepRunner } from '../types';
import { refRecord } from './ref';

export async function runStep(
  runner: StepRunner,
  backend: WorkerBackend,
  ref: BackendRef,
  record: WorkerRecord,
  leaseId: string,
  options: DriveOptions,
): Promise<Observation> {
  const needsResource = !record.backend_ref?.id || record.phase === 'lost';
  const needsTemplate = record.applied_template_generation < record.template_generation;
  if (needsResource || needsTemplate) {
    const existing = await backend.status(ref);
    const key = await runner.keyFor(
      record,
      leaseId,
      options,
      !needsResource || existing.state !== 'not_found',
    );
    const spec = await runner.specFor(key.record, key.plaintext);
    const bootSince = runner.clock.now();
    // A resource that exists but was made with another key (or an older template) is recreated, never adopted
    // as is: its environment would carry a key whose hash is no longer the record's.
    const created =
      existing.state === 'not_found'
        ? await backend.create(spec)
        : await backend.update(existing.ref ?? ref, spec);
    await runner.pruneSupersededSecrets(key.record, leaseId, spec.env);
    // Some backends apply a new template to a stopped resource without starting it (SAE, ECS keep the run
    // state); the worker is wanted running, so start it.
    // Part of the same change as the update, so not subject to the round's deadline, but to the lease.
    if ((await backend.status(created.ref)).state === 'stopped')
      await runner.underLease(record, leaseId, (b) => b.start(created.ref));
    return {
      ref: refRecord(created.ref, created.consoleHostPort),
      appliedTemplate: key.record.template_generation,
      settled: true,
      bootSince,
      move: {
        from: ['pending', 'lost', 'updating', 'starting', 'ready'],
        to: 'starting',
        reason: record.last_transition.reason,
      },
    };
  }
  let status = await backend.status(ref);
  if (status.state === 'not_found') {
    // `lost` needs two direct lookups that both say not-found; a listing never decides it.
    status = await backend.status(ref);
    if (status.state === 'not_found') {
      return {
        status,
        settled: false,
        forgetResource: true,
        move: { from: [record.phase], to: 'lost', reason: 'drift' },
      };
    }
  }
  let bootSince: number | undefined;
  if (status.state === 'stopped') {
    bootSince = runner.clock.now();
    await backend.start(ref);
    status = await backend.status(ref);
  } else if (record.phase === 'starting' && predatesBoot(status, record)) {
    // A wake that overtook a sleep before its stop reached the backend: the instance still running belongs to
    // the previous boot (and may be shutting down). Restart it so this boot has an instance of its own.
    bootSince = runner.clock.now();
    // One change: once the stop is sent, the start that completes it must follow even past the deadline, but
    // only while the lease is ours (a holder that took over may have slept the worker meanwhile).
    await backend.stop(ref);
    await runner.underLease(record, leaseId, (b) => b.start(ref));
    status = await backend.status(ref);
  }
  return {
    status,
    settled: true,
    ...(bootSince !== undefined ? { bootSince } : {}),
    move: {
      from: bootSince !== undefined ? ['failed', 'lost', 'ready', 'starting'] : ['failed', 'lost'],
      to: 'starting',
      reason: record.last_transition.reason === 'ready' ? 'manual' : record.last_transition.reason,
    },
  };
}

/** Running instances exist and every one started before this boot was asked for (minus clock skew). */
function predatesBoot(status: BackendStatus, record: WorkerRecord): boolean {
  const since = Date.parse(record.boot.since) - BOOT_SKEW_MS;
  return status.instances.length > 0 && status.instances.every((instance) => instance.startedAt < since);
}
