export {
  BackendRegistry,
  type Clock,
  DEFAULT_SETTINGS,
  deadlineOf,
  HICLAW_STATUSES,
  type LifecycleContext,
  type LifecycleSettings,
  type Logger,
  once,
  PHASES,
  redactKeys,
  resourceNameOf,
  sha256Hex,
  systemClock,
} from './model';
export { WorkerRepository } from './persistence';
export {
  actorOf,
  bearerToken,
  issueCredentials,
  type Principal,
  requireWorker,
  WorkerService,
} from './requests';
export { DEFAULT_SWEEPER_SETTINGS, runSweep, type SweeperSettings } from './sweeper';
export {
  assertActorOwns,
  createTeam,
  mintTeamKey,
  renderTeam,
  requireTeam,
  revokeTeamKey,
  updateTeam,
} from './teams';
