/**
 * Request parsing that turns every kind of bad input into a 400/413 naming the field, never a 500.
 *
 * @module
 */

import type { Context } from 'hono';
import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../errors';

/** 64 KiB: generous for env maps, small enough that a function never buffers something silly. */
export const MAX_BODY_BYTES = 64 * 1024;

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

export function zodToValidationError(error: z.ZodError, root: string): ValidationError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const field = path ? `${path}.${key}` : key;
    return new ValidationError(`unknown field ${field} in ${root}`, field);
  }
  const field = path || root;
  // zod keeps no input on its issues unless asked: an absent field is told apart by what it says it received.
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return new ValidationError(`${field} is required`, field);
  }
  if (issue.code === 'invalid_type') {
    return new ValidationError(`${field} must be ${article(issue.expected)} ${issue.expected}`, field);
  }
  return new ValidationError(`${field}: ${issue.message}`, field);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw zodToValidationError(result.error, root);
  return result.data;
}

/** Reads and validates a JSON body. An absent/empty body is `{}` so optional-only bodies may be omitted. */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  const buffer = await readAtMost(c.req.raw, MAX_BODY_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new ValidationError('request body is not valid UTF-8', 'body');
  }
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ValidationError('request body is not valid JSON', 'body');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('request body must be a JSON object', 'body');
  }
  const poisoned = findProtoKey(value, '');
  // zod silently drops `__proto__` keys; a name the caller set must not vanish without a word.
  if (poisoned !== undefined) throw new ValidationError(`${poisoned} is not an allowed name`, poisoned);
  return parseWith(schema, value, 'body');
}

/**
 * The body, read chunk by chunk and given up on as soon as it passes `limit`: a streamed body without a
 * content-length is never buffered whole before the 413.
 */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(`request body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** Query parameters: `label` may repeat; any other parameter given twice is ambiguous and refused. */
export function readQuery<S extends z.ZodType>(
  c: Context,
  schema: S,
  repeatable: string[] = [],
): z.output<S> {
  const raw = c.req.queries();
  const value: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(raw)) {
    if (repeatable.includes(key)) value[key] = values;
    else if (values.length > 1)
      throw new ValidationError(`query parameter ${key} is given more than once`, key);
    else value[key] = values[0];
  }
  return parseWith(schema, value, 'query');
}

/** No request body of this API nests deeper; deeper input is refused before anything walks it recursively. */
const MAX_BODY_DEPTH = 32;

/** The path of the first `__proto__` key anywhere in a parsed JSON value (an explicit stack: no recursion). */
function findProtoKey(root: unknown, _path: string): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH)
      throw new ValidationError(`request body nests deeper than ${MAX_BODY_DEPTH} levels`, path || 'body');
    for (const [key, child] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key === '__proto__') return here;
      stack.push({ value: child, path: here, depth: depth + 1 });
    }
  }
  return undefined;
}
