export { type Actor, actorLabel, MANAGER, SWEEPER } from './actor';
export { type Clock, systemClock } from './clock';
export { BackendRegistry, type LifecycleContext, type Logger, once } from './context';
export type { CreateInput, ListQuery, ReportInput, UpdateInput } from './inputs';
export {
  hmacHex,
  mintWorkerKey,
  parseWorkerKey,
  randomHex,
  redactKeys,
  sha256Hex,
  timingSafeEqualHex,
} from './keys';
export { deadlineOf, idleDeadline, isAwake, isExpired, isLeaseLive, nextAction } from './policy';
export {
  type BackendRefRecord,
  type Beat,
  HICLAW_STATUSES,
  iso,
  isWorker,
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
export { BOOT_SKEW_MS, DEFAULT_SETTINGS, type LifecycleSettings, retryBackoffMs } from './settings';
export { buildWorkerSpec, INJECTED_ENV_NAMES, resourceNameOf } from './spec';
export { bumpBoot, leaseExpiry, resetAttempts, takeLeaseIfFree, transition } from './transitions';
export { renderWorker, type WorkerView } from './views';
