/**
 * Requests: what the API asks of the lifecycle (create, intents, readiness, queries, auth, credentials).
 *
 * @module
 */
export { actorOf, bearerToken, type Principal } from './auth';
export { issueCredentials } from './credentials';
export { deleteBuild, requireWorker, sleepBuild } from './intents';
export { WorkerService } from './service';
export type { WorkerView } from './views';
