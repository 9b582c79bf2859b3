/**
 * The one place where errors become HTTP responses. Known errors carry their status, code and safe message;
 * anything else is a bare 500 with nothing internal in the body (and is logged without secrets). Every message
 * that leaves here goes through `redactError`: key-shaped strings and the env values marked on the error are masked.
 *
 * @module
 */

import type { Context } from 'hono';
import { OrchestratorError } from '../errors';
import type { Logger } from '../lifecycle';
import { redactError } from '../lifecycle';

export function errorResponse(c: Context, error: unknown, log: Logger): Response {
  if (error instanceof OrchestratorError) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
    const message = redactError(error, error.message);
    if (error.status >= 500) log.warn('request failed', { code: error.code, message });
    // The whole body, not only the message: details may quote input too.
    return new Response(redactError(error, JSON.stringify({ ...error.toJSON(), message })), {
      status: error.status,
      headers,
    });
  }
  log.error('unhandled error', {
    path: c.req.path,
    error: redactError(error, error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
  });
  return c.json({ message: 'internal error', code: 'internal' }, 500);
}
