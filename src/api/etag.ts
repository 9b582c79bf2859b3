/**
 * HTTP conditional requests on a worker: its `ETag` (a strong, quoted form of the lifecycle's version: generation
 * and write id), `If-Match` on the requests that change it, and `If-None-Match: *` on create. The comparison itself
 * happens in the lifecycle, inside the conditional write that acts, never as a check before it.
 *
 * @module
 */

import type { Context } from 'hono';
import { ValidationError } from '../errors';

export const etagOf = (version: string): string => `"${version}"`;

/** Sets `ETag` when the answer was rendered from a known version. */
export function setETag(c: Context, version: string | undefined): void {
  if (version !== undefined) c.header('etag', etagOf(version));
}

/**
 * The versions `If-Match` accepts, or `undefined` when there is no condition. `*` (any current worker) adds no
 * condition: every route already answers for a missing worker. A weak tag (`W/"…"`) never matches, since
 * `If-Match` compares strongly (RFC 9110), so it is dropped and, alone, fails the request with 412.
 */
export function ifMatchOf(c: Context): string[] | undefined {
  const raw = c.req.header('if-match');
  if (raw === undefined || raw.trim() === '*') return undefined;
  const versions: string[] = [];
  for (const part of raw.split(',')) {
    const tag = part.trim();
    if (/^W\/"[^"]*"$/.test(tag)) continue;
    if (!/^"[\x21\x23-\x7e]*"$/.test(tag)) {
      throw new ValidationError('If-Match must be * or a list of quoted ETags', 'If-Match');
    }
    versions.push(tag.slice(1, -1));
  }
  return versions;
}

/** `If-None-Match: *` (create only if absent); any other value is refused, since no other form means anything here. */
export function ifNoneMatchStar(c: Context): boolean {
  const raw = c.req.header('if-none-match');
  if (raw === undefined) return false;
  if (raw.trim() === '*') return true;
  throw new ValidationError('If-None-Match on create accepts only *', 'If-None-Match');
}

/** The options a conditional lifecycle request takes from the headers. */
export function conditionOf(c: Context): { ifMatch?: string[] } {
  const ifMatch = ifMatchOf(c);
  return ifMatch ? { ifMatch } : {};
}
