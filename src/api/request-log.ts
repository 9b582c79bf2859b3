/**
 * A request id on every response and one structured log line per request.
 *
 * The id is the caller's `x-request-id` when it is a plain token (letters, digits, `_`, `-`, `=`; at most 128
 * characters), so a gateway's or client's id follows the request through; anything else is replaced by a fresh
 * UUID rather than echoed, so a header cannot smuggle text into logs.
 *
 * The line says what an operator needs to find a request and nothing a caller sent as a secret: method, the
 * route's pattern (`/workers/{name}`, never the raw path or its query), status, duration, the caller's kind
 * (`manager`, `team`, `worker`, or `public` when no known key was given), the worker name when the route has
 * one, and the id. Never a key, a token, a header, a body or a query string.
 *
 * @module
 */

import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../lifecycle';
import { WORKER_NAME_PATTERN } from '../names';
import type { AppEnv } from './context';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[\w\-=]{1,128}$/;
/** A run this long of letters and digits is shaped like a key (worker keys end in 64 hex); a UUID's longest is 12. */
const KEY_SHAPED_RUN = /[A-Za-z0-9]{32,}/;

/**
 * A caller's id is logged as given, so one that may be a secret (a key pasted into the wrong header, the bearer
 * token itself) is replaced by a fresh one rather than written to the log.
 */
function acceptableRequestId(id: string, authorization: string | undefined): boolean {
  if (!VALID_REQUEST_ID.test(id) || KEY_SHAPED_RUN.test(id)) return false;
  return !authorization || !authorization.includes(id) || id.length < 8;
}

export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id =
      incoming && acceptableRequestId(incoming, c.req.header('authorization'))
        ? incoming
        : crypto.randomUUID();
    c.set('requestId', id);
    c.set('caller', 'public');
    await next();
    // Error and not-found answers are built outside the handler's context: the id is added here, to all.
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // Headers of a response passed through from elsewhere are immutable; copy it once.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, id);
    }
    const worker = c.get('worker');
    log.info('request', {
      request_id: id,
      method: c.req.method,
      route: c.get('route') ?? null,
      status: c.res.status,
      duration_ms: Math.round(performance.now() - started),
      caller: c.get('caller'),
      ...(worker && WORKER_NAME_PATTERN.test(worker) ? { worker } : {}),
    });
  };
}
