/**
 * Events out: the outbox of webhook events, their delivery and retries, and the endpoints they go to. The sender
 * (HTTP and signing) is a port; its adapter lives in `src/webhooks`.
 *
 * @module
 */

export { RETRY_WINDOW_MS, retryDelayMs } from './delivery';
export {
  createEndpoint,
  deleteEndpoint,
  type EndpointInput,
  getEndpoint,
  listDeadLetters,
  listEndpoints,
  MAX_ENDPOINTS,
  ROTATION_OVERLAP_MS,
  redeliver,
  rotateSecret,
} from './endpoints';
export { EVENT_TYPES, type EventType, eventIdOf, eventTypeOf, OPT_IN_TYPES, transitionEvent } from './events';
export { EventFiler, type EventFilerOptions, type EventMatch } from './filer';
export type { SendResult, WebhookMessage, WebhookSender } from './port';
export { refusedUrl, STRICT_URL_POLICY, type UrlPolicy } from './url-policy';
export { type WebhookOptions, Webhooks } from './webhooks';
