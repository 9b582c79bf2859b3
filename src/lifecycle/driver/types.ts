/**
 * What a drive is asked and what it answers, shared by the operation loop and its rounds.
 *
 * @module
 */

import type { OrchestratorError } from '../../errors';

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
