/**
 * The one place where errors become HTTP responses. Known errors carry their status, code and safe message;
 * anything else is a bare 500 with nothing internal in the body (and is logged without secrets).
 *
 * @module
 */

import type { Context } from 'hono';
import { OrchestratorError } from '../errors';
import type { Logger } from '../lifecycle';
import { redactKeys } from '../lifecycle';

export function errorResponse(c: Context, error: unknown, log: Logger): Response {
  if (error instanceof OrchestratorError) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
    if (error.status >= 500)
      log.warn('request failed', { code: error.code, message: redactKeys(error.message) });
    return new Response(JSON.stringify({ ...error.toJSON(), message: redactKeys(error.message) }), {
      status: error.status,
      headers,
    });
  }
  log.error('unhandled error', {
    path: c.req.path,
    error: redactKeys(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
  });
  return c.json({ message: 'internal error', code: 'internal' }, 500);
}
