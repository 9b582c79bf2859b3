/**
 * A worker's version, as conditional requests see it: its generation and the id of the write that produced the
 * stored record. Every record write gets a fresh write id, so any change (a label, a lease, an observation) makes a
 * new version; the generation in front only makes versions readable. The API quotes it as a strong `ETag`.
 *
 * @module
 */

import { VersionMismatchError } from '../../errors';
import type { WorkerRecord } from '../model';

export const versionOf = (record: Pick<WorkerRecord, 'spec_generation' | 'write_id'>): string =>
  `${record.spec_generation}.${record.write_id}`;

/**
 * Throws 412 unless the record is one of the `expected` versions. Called inside the conditional write's mutation,
 * so the version compared is the one the write replaces: nothing can change in between.
 */
export function assertVersion(record: WorkerRecord, expected: readonly string[] | undefined): void {
  if (expected === undefined || expected.includes(versionOf(record))) return;
  throw new VersionMismatchError(
    `worker ${record.name} changed since the version given in If-Match (now ${versionOf(record)})`,
    { details: { name: record.name } },
  );
}

/** A conditional request on a worker that is not there: nothing the caller saw is current. */
export const goneMismatch = (name: string) =>
  new VersionMismatchError(`worker ${name} does not exist, so no version given in If-Match is current`, {
    details: { name },
  });
