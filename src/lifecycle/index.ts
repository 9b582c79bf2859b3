/**
 * The lifecycle's front door: the domain (records, requests, the per-worker driver, teams, the sweeper) as the
 * API and the composition roots use it. It imports no SDK and no platform code; it reaches the store only through
 * `persistence/` and the store port.
 *
 * @module
 */

export { BackendRegistry, type LifecycleContext, type Logger, once } from './context';
export {
  type Actor,
  type Clock,
  type CreateInput,
  DEFAULT_SETTINGS,
  deadlineOf,
  HICLAW_STATUSES,
  type LifecycleSettings,
  PHASES,
  redactError,
  redactKeys,
  resourceNameOf,
  scheduleProblem,
  sha256Hex,
  systemClock,
  type TeamRecord,
  type UpdateInput,
} from './model';

export {
  createEndpoint,
  deleteEndpoint,
  EVENT_TYPES,
  EventFiler,
  getEndpoint,
  listDeadLetters,
  listEndpoints,
  redeliver,
  refusedUrl,
  rotateSecret,
  type SendResult,
  STRICT_URL_POLICY,
  type UrlPolicy,
  type WebhookMessage,
  type WebhookSender,
  Webhooks,
} from './outbox';
export { IdempotencyKeys, layout, type StoredAnswer, WorkerRepository } from './persistence';
export {
  actorOf,
  bearerToken,
  deleteLabelSchedule,
  FLEET_ACTIONS,
  FLEET_MAX,
  type FleetAction,
  type FleetResult,
  type FleetWorkerResult,
  getLabelSchedule,
  issueCredentials,
  type LabelScheduleInput,
  type LabelScheduleView,
  listLabelSchedules,
  MAX_LABEL_SCHEDULES,
  type Principal,
  putLabelSchedule,
  requireWorker,
  WorkerService,
  type WorkerView,
} from './requests';
export { DEFAULT_SWEEPER_SETTINGS, runSweep, type SweeperSettings, type SweepReport } from './sweeper';
export {
  assertActorOwns,
  createTeam,
  listTeams,
  mintTeamKey,
  renderTeam,
  requireTeam,
  revokeTeamKey,
  updateTeam,
} from './teams';
