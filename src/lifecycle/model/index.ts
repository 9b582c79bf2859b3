/**
 * The model: the worker record and its phases, inputs, actors, settings, the idle/expiry policy, named
 * transitions and keys.
 *
 * @module
 */

export { type Actor, actorLabel, MANAGER, SWEEPER } from './actor';
export { type Clock, systemClock } from './clock';
export type { CreateInput, ListQuery, ReportInput, ScheduleInput, UpdateInput } from './inputs';
export {
  hmacHex,
  mintWorkerKey,
  parseWorkerKey,
  randomHex,
  redactKeys,
  sha256Hex,
  timingSafeEqualHex,
} from './keys';
export {
  beatStaleAfterMs,
  busyUntil,
  deadlineOf,
  hiclawStatus,
  idleDeadline,
  isAwake,
  isExpired,
  isLeaseLive,
  isStale,
  nextAction,
  pendingScheduled,
} from './policy';
export {
  AWAKE_PHASES,
  type BackendRefRecord,
  type Beat,
  HICLAW_STATUSES,
  type HiclawStatus,
  iso,
  isWorker,
  ms,
  PHASES,
  type Phase,
  type Reason,
  type StoredSpec,
  type StoredWorker,
  type Tombstone,
  TRANSITIONAL_PHASES,
  type WorkerEvent,
  type WorkerRecord,
} from './record';
export { markSensitive, redactError, redactSecrets } from './redaction';
export {
  isKnownTimeZone,
  type LabelSchedule,
  labelsMatch,
  latestScheduled,
  nextScheduled,
  type ScheduledAction,
  type ScheduledKind,
  type ScheduleProblem,
  scheduleProblem,
  type WorkerSchedule,
} from './schedule';
export { type DocumentKind, labelWithVersion, SCHEMA_VERSIONS, upgradeDocument } from './schema';
export {
  BOOT_SKEW_MS,
  CLOCK_SKEW_MARGIN_MS,
  DEFAULT_SETTINGS,
  type LifecycleSettings,
  retryBackoffMs,
} from './settings';
export { buildWorkerSpec, INJECTED_ENV_NAMES, resourceNameOf } from './spec';
export type { TeamKey, TeamRecord } from './team';
export {
  bumpBoot,
  leaseExpiry,
  resetAttempts,
  takeLeaseIfFree,
  transition,
  transitionTime,
} from './transitions';
