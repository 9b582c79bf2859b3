export { layout } from './layout';
export { type DeploymentMeta, WorkerRepository } from './repository';
