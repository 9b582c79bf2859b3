/**
 * Persistence: every read and conditional write the lifecycle makes, and where each thing lives in the store.
 *
 * @module
 */
export type { Draft, Read } from '../../store/cas';
export { type IdempotencyEntry, IdempotencyKeys, type StoredAnswer } from './idempotency';
export { LabelSchedules } from './label-schedules';
export { LABEL_SCHEDULES_HINT, layout } from './layout';
export {
  type DeadLetter,
  type DeliveryTarget,
  type OutboxEntry,
  type OutboxEvent,
  OutboxStorage,
  outboxLayout,
  sameTransition,
  type TransitionListener,
} from './outbox';
export { type DeploymentMeta, WorkerRepository } from './repository';
export type { SweeperStorage } from './sweeper-storage';
export { type EndpointSecret, type WebhookEndpoint, WebhookEndpoints } from './webhook-endpoints';
