/**
 * Requests: what the API asks of the lifecycle (create, intents, readiness, queries, auth, credentials).
 *
 * @module
 */
export { actorOf, bearerToken, type Principal } from './auth';
export { issueCredentials } from './credentials';
export { deleteBuild } from './delete';
export {
  FLEET_ACTIONS,
  FLEET_MAX,
  type FleetAction,
  type FleetResult,
  type FleetWorkerResult,
} from './fleet';
export { requireWorker } from './intent';
export {
  deleteLabelSchedule,
  getLabelSchedule,
  type LabelScheduleInput,
  type LabelScheduleView,
  listLabelSchedules,
  MAX_LABEL_SCHEDULES,
  putLabelSchedule,
} from './label-schedules';
export { WorkerService } from './service';
export type { WorkerView } from './views';
export { sleepBuild, wakeBuild } from './wake-sleep';
