/**
 * Tunables of the scheduled sweeper. `src/config` validates them; every default says why.
 *
 * @module
 */

import { CLOCK_SKEW_MARGIN_MS } from '../model';

export type OrphanAction = 'report' | 'stop' | 'delete';

export interface SweeperSettings {
  /** A full pass over `workers/` (and over the backend inventory) starts at most this often: 1 h. */
  fullScanIntervalSeconds: number;
  /** How often the schedule fires (EventBridge / FC timer / emulator): sizes the slices of a long pass. */
  runIntervalSeconds: number;
  /** A resource is an orphan only when seen without a record twice, at least this far apart: 30 min. */
  orphanGraceSeconds: number;
  /** `stop` by default: reversible. `delete` stops first and deletes only after a further grace. */
  orphanAction: OrphanAction;
  /** At most this many orphan actions per run, so a wrong store cannot stop a fleet in one minute. */
  maxOrphanActionsPerRun: number;
  /** Wall time a run may spend; 40 s leaves room in a 60 s function for the lease release. */
  budgetMs: number;
  /** Backend calls in flight at once: SAE and ECS throttle per account, a run must not starve requests. */
  backendConcurrency: number;
  /** Names per `workers/` listing page of the full scan (the store caps listings at 1,000). */
  scanPageSize: number;
  /** Resources per `backend.list` page of the inventory reconcile. */
  inventoryPageSize: number;
  /** Tombstones answer idempotent deletes and fence late writers for this long, then go: 24 h. */
  tombstoneRetentionSeconds: number;
  /** Hints up to this far in the future are listed too, so a deadline a few seconds after a run is not late. */
  lookaheadMs: number;
}

export const DEFAULT_SWEEPER_SETTINGS: SweeperSettings = {
  fullScanIntervalSeconds: 3600,
  runIntervalSeconds: 60,
  orphanGraceSeconds: 30 * 60,
  orphanAction: 'stop',
  maxOrphanActionsPerRun: 5,
  budgetMs: 40_000,
  backendConcurrency: 4,
  scanPageSize: 1000,
  inventoryPageSize: 500,
  tombstoneRetentionSeconds: 24 * 3600,
  lookaheadMs: 30_000,
};

/**
 * A create writes its env values before its record, so a secret without a record may be a create still at work.
 * Only once that create can no longer write its record (killed at its function timeout; its lease adds a
 * clock-skew margin) is the secret an orphan: 15 min, or twice the lease where functions run longer.
 */
export const orphanSecretGraceMs = (functionTimeoutSeconds: number): number =>
  Math.max(15 * 60_000, 2 * (functionTimeoutSeconds * 1000 + CLOCK_SKEW_MARGIN_MS));

/** A hint whose worker could not be settled moves at least this far forward, so it never pins the head. */
export const MIN_HINT_BACKOFF_MS = 60_000;
/** Store reads in flight at once while scanning: hides latency without tripping store throttling. */
export const READ_CONCURRENCY = 16;
/** Events of live workers are trimmed to the retention at most this often per worker. */
export const EVENT_TRIM_INTERVAL_MS = 24 * 3600 * 1000;
/** The sweeper lease outlives the budget by this much: in-flight drives end at the budget, plus clock skew. */
export const LOCK_MARGIN_MS = 60_000;
