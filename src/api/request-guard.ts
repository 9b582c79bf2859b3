/**
 * What a browser must not be able to do to this API on a user's behalf, whatever the auth mode.
 *
 * - **Cross-site requests.** A page on another site can send "simple" requests (a form, `text/plain`, no
 *   preflight) to an orchestrator the browser reaches, e.g. the emulator on loopback with `AUTH_MODE=off`. So a
 *   request whose `Origin` is not this API's own, or that a browser marks `Sec-Fetch-Site: cross-site`, is refused,
 *   and a body must be `application/json` (which a simple request cannot send). A non-JSON `Content-Type` on an
 *   empty body passes only with an `Authorization` header, which no simple request carries (older clients post
 *   empty bodies with `wget --post-data ''`, which sends a form type).
 * - **DNS rebinding.** A name the attacker controls can be re-pointed at 127.0.0.1, making the page same-origin
 *   with the local listener. Where the deployment knows the names it answers to (the emulator does), a request for
 *   any other Host is refused.
 *
 * @module
 */

import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnsupportedMediaTypeError } from '../errors';

export interface RequestGuardOptions {
  /** Host names (no port) this API answers to; unset = any (a cloud endpoint behind its own gateway). */
  allowedHosts?: readonly string[];
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `application/json` or any `+json` type, with or without parameters. */
const isJson = (type: string): boolean => /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim());

/** `[::1]` → `::1`, `LOCALHOST.` → `localhost`. */
export const normalizeHost = (host: string): string =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

export function requestGuard(options: RequestGuardOptions = {}): MiddlewareHandler {
  const allowed = options.allowedHosts ? new Set(options.allowedHosts.map(normalizeHost)) : undefined;
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (allowed && !allowed.has(normalizeHost(url.hostname))) {
      throw new ForbiddenError(
        `Host ${JSON.stringify(url.hostname.slice(0, 100))} is not a name this orchestrator answers to`,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== url.origin) {
      throw new ForbiddenError(
        'cross-origin requests are refused: this API is not for web pages of other sites',
      );
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') {
      throw new ForbiddenError(
        'cross-site requests are refused: this API is not for web pages of other sites',
      );
    }
    if (BODY_METHODS.has(c.req.method)) {
      const type = c.req.header('content-type');
      const length = c.req.header('content-length');
      // A declared length decides; without one, whether the platform handed over a body at all.
      const hasBody =
        length !== undefined
          ? length.trim() !== '0'
          : c.req.header('transfer-encoding') !== undefined || c.req.raw.body !== null;
      const bodyless = !hasBody && c.req.header('authorization') !== undefined;
      if ((hasBody || type !== undefined) && !(type !== undefined && isJson(type)) && !bodyless) {
        throw new UnsupportedMediaTypeError(
          'request bodies must be JSON: send them with Content-Type: application/json',
          { details: { field: 'content-type' } },
        );
      }
    }
    await next();
  };
}
