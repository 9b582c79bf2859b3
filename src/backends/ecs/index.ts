/**
 * The AWS ECS backend: one Fargate service per worker, desiredCount 1 awake and 0 asleep.
 *
 * @module
 */
export { EcsBackend, type EcsBackendOptions } from './adapter';
