/**
 * What a drive is asked and what it answers, shared by the operation loop and its rounds.
 *
 * @module
 */

import type { BackendStatus, WorkerBackend, WorkerSpec } from '../../backends/port';
import type { OrchestratorError } from '../../errors';
import type { BackendRefRecord, Clock, Phase, Reason, WorkerRecord } from '../model';

export type DriveOutcome =
  /** The backend reached what was asked; the lease is released. */
  | 'settled'
  /** Work continues beyond this call (async backend, budget spent, retry scheduled); someone will look again. */
  | 'in_progress'
  /** Another function holds the lease now (ours expired, or the worker was re-created). */
  | 'lost_lease'
  | 'failed'
  /** The worker was deleted and its resource is gone. */
  | 'gone';

export interface DriveOptions {
  /** Plaintext key minted by the calling operation; used only while its hash is still the record's. */
  plaintextKey?: string;
  /** Epoch ms after which the driver stops starting new rounds and answers `in_progress`. */
  deadline: number;
  actor: string;
}

export interface DriveResult {
  outcome: DriveOutcome;
  error?: OrchestratorError | Error;
  /** False only when no change this drive asked of the backend can have been carried out. */
  changeMayHaveLanded?: boolean;
}

/** What one round saw and did, merged into the record by `observe`. */
export interface Observation {
  ref?: BackendRefRecord;
  status?: BackendStatus;
  appliedTemplate?: number;
  /** Phase change, applied only if the record is still in one of `from` and the intent did not move. */
  move?: { from: Phase[]; to: Phase; reason: Reason };
  /** True when this round reached the goal for the generation it read. */
  settled: boolean;
  /** Not settled and nothing more to do now: look again after this long (async backends). */
  recheckAfterMs?: number;
  forgetResource?: boolean;
  /**
   * The driver itself started an instance (a start, a create, a recreate, a restart): a new boot that began at
   * this time. Readiness then waits for a report from that instance, whatever the phase was.
   */
  bootSince?: number;
}

/** An async backend's change is under way: look again after this long. */
export const ASYNC_RECHECK_MS = 10_000;

/** What a step needs of the round that runs it (the round's key, spec, secrets and lease handling). */
export interface StepRunner {
  readonly clock: Clock;
  keyFor(
    record: WorkerRecord,
    leaseId: string,
    options: DriveOptions,
    replacing: boolean,
  ): Promise<{ plaintext: string; record: WorkerRecord }>;
  specFor(record: WorkerRecord, workerKey: string): Promise<WorkerSpec>;
  pruneSupersededSecrets(record: WorkerRecord, leaseId: string, env: Record<string, string>): Promise<void>;
  underLease(
    record: WorkerRecord,
    leaseId: string,
    change: (backend: WorkerBackend) => Promise<void>,
  ): Promise<void>;
}
