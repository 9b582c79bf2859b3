/**
 * The webhook sender over `fetch`, signed per the Standard Webhooks spec (the `standardwebhooks` package):
 * `webhook-id`, `webhook-timestamp` (epoch seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, one per
 * secret, space-separated, so a receiver holding either side of a rotation verifies).
 *
 * Safe against request forgery by construction: the URL policy is checked again at every attempt (an endpoint
 * stored under a laxer setting is refused under a stricter one), redirects are never followed, and every attempt
 * has a timeout. Works on Node, Lambda, FC and workerd alike (fetch and Web Crypto only).
 *
 * @module
 */

import { Webhook } from 'standardwebhooks';
import {
  refusedUrl,
  type SendResult,
  type UrlPolicy,
  type WebhookMessage,
  type WebhookSender,
} from '../lifecycle';

const USER_AGENT = 'worker-orchestrator-webhooks/1';

export class FetchWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async send(
    url: string,
    message: WebhookMessage,
    secrets: readonly string[],
    timeoutMs: number,
  ): Promise<SendResult> {
    const refused = refusedUrl(url, this.policy);
    if (refused) return { ok: false, error: `refused: ${refused}` };
    const timestamp = new Date();
    const signature = secrets
      .map((secret) => new Webhook(secret).sign(message.id, timestamp, message.body))
      .join(' ');
    try {
      const response = await this.fetcher(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: message.body,
      });
      // Only the status matters; the body is dropped unread so the connection is released.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      if (response.status >= 300 && response.status < 400)
        return { ok: false, error: `answered ${response.status}: redirects are not followed` };
      return { ok: false, error: `answered ${response.status}` };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError')
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      // fetch's messages name the host and the network error, never a header.
      return {
        ok: false,
        error: `could not connect: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
