/**
 * Retry timing and the secrets a message is signed with.
 *
 * @module
 */

import type { EndpointSecret } from '../persistence';

/** How long an event is retried before it is dead-lettered: a receiver down for a day still gets everything. */
export const RETRY_WINDOW_MS = 24 * 3600_000;

/** 30 s, 2 min, 8 min, 32 min, ~2 h, then every 4 h: early retries catch a blip, late ones an outage. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 4 ** Math.max(0, attempts - 1), 4 * 3600_000);
}

/** The current secret, and the previous one while a rotation's overlap lasts (one signature each). */
export function signingSecrets(secret: EndpointSecret, now: number): string[] {
  return secret.previous && (secret.previous_until_ms ?? 0) > now
    ? [secret.current, secret.previous]
    : [secret.current];
}

/** The stored reason of a failed attempt: short, and from the sender, which never includes a secret. */
export const shortError = (error: string) => error.slice(0, 200);
