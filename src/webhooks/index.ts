/**
 * The webhook sender adapter: signs per the Standard Webhooks spec and POSTs with `fetch`.
 *
 * @module
 */

export { FetchWebhookSender } from './fetch-sender';
