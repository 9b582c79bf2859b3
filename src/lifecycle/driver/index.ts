/**
 * The driver: the per-worker operation lease and the rounds that move a worker's backend toward `desired`.
 *
 * @module
 */
export { Driver } from './operation';
export type { DriveOptions, DriveOutcome, DriveResult } from './types';
