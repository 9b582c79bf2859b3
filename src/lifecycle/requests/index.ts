export { actorOf, bearerToken, type Principal } from './auth';
export { issueCredentials } from './credentials';
export { deleteBuild, requireWorker, sleepBuild } from './intents';
export { WorkerService } from './service';
