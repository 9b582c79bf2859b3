/**
 * The port a webhook leaves through. The lifecycle decides what is sent and when; the adapter (`src/webhooks`)
 * signs it per the Standard Webhooks spec and makes the HTTP call.
 *
 * @module
 */

export interface WebhookMessage {
  /** `webhook-id`: the event's stable id, the same on every retry, so receivers can deduplicate. */
  id: string;
  /** The exact bytes signed and sent. */
  body: string;
}

export type SendResult = { ok: true } | { ok: false; error: string };

export interface WebhookSender {
  /**
   * One attempt: POST `body` to `url`, signed with every secret in `secrets` (several during a rotation). Never
   * throws; a refused address, a timeout, a redirect or a non-2xx answer is `ok: false` with a short reason that
   * names no secret.
   */
  send(
    url: string,
    message: WebhookMessage,
    secrets: readonly string[],
    timeoutMs: number,
  ): Promise<SendResult>;
}
