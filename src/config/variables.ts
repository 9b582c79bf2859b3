/**
 * The names of the configuration variables, grouped by what reads them. Deployers forward exactly the groups a
 * function needs (the emulator runner, the FC deploy script), so a new setting is added here once rather than in
 * every list; `test/platforms/workerd.test.ts` checks the groups cover what the readers read.
 *
 * @module
 */

/** Read by every function: where the state is and how keys look. */
export const STATE_VARIABLES = ['STATE_PREFIX', 'DATA_ROOT', 'WORKER_KEY_PREFIX'] as const;

/** The lifecycle's tunables (`src/config/config.ts`), read by the lifecycle and sweeper functions. */
export const LIFECYCLE_VARIABLES = [
  'DEFAULT_BACKEND',
  'DEFAULT_IMAGE',
  'IDLE_TIMEOUT_SECONDS',
  'BEAT_WRITE_INTERVAL_SECONDS',
  'HEARTBEAT_INTERVAL_SECONDS',
  'REQUEST_DRIVE_BUDGET_MS',
  'ENSURE_READY_MAX_SECONDS',
  'MAX_ATTEMPTS',
  'WEDGED_AFTER_SECONDS',
  'KEY_ROTATION_GRACE_SECONDS',
  'UNRESPONSIVE_AFTER_SECONDS',
  'EVENT_RETENTION_DAYS',
  'WEBHOOKS_ALLOW_PRIVATE_ADDRESSES',
] as const;

/** The sweeper's tunables. */
export const SWEEPER_VARIABLES = [
  'SWEEP_INTERVAL_SECONDS',
  'SWEEP_FULL_SCAN_INTERVAL_SECONDS',
  'ORPHAN_GRACE_SECONDS',
  'ORPHAN_ACTION',
  'MAX_ORPHAN_ACTIONS_PER_RUN',
  'SWEEP_BUDGET_MS',
  'SWEEP_BACKEND_CONCURRENCY',
  'TOMBSTONE_RETENTION_SECONDS',
] as const;

/** The credential issuer's settings (the provider is fixed per platform, except in the emulator). */
export const STS_VARIABLES = [
  'STS_ROLE_ARN',
  'STS_BUCKET',
  'STS_OSS_ENDPOINT',
  'STS_REGION',
  'STS_ENDPOINT',
  'STS_DURATION_SECONDS',
] as const;
