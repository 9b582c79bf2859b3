/**
 * Keeping secrets out of everything that leaves the process: worker and team keys (recognised by their shape) and
 * the env values a backend was handed (known only to the code that handed them over, which marks the error).
 * `src/api/error-handler.ts` applies it to every error answer and log line; the driver applies it to the
 * `last_error` and event messages it stores.
 *
 * @module
 */

import { redactKeys } from './keys';

/** Shorter values (a "1", a "true") would shred any message and reveal little; longer ones are masked. */
const MIN_REDACTED_LENGTH = 6;

const marks = new WeakMap<object, Set<string>>();

/** Remembers values that must never be shown with this error (the env values of the spec the call carried). */
export function markSensitive(error: unknown, values: Iterable<string>): void {
  if (typeof error !== 'object' || error === null) return;
  const set = marks.get(error) ?? new Set<string>();
  for (const value of values) if (value.length >= MIN_REDACTED_LENGTH) set.add(value);
  marks.set(error, set);
}

/** The values marked on this error or any of its causes. */
export function sensitiveValuesOf(error: unknown): string[] {
  const values: string[] = [];
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    values.push(...(marks.get(e) ?? []));
    if (values.length > 10_000) break;
  }
  return values;
}

/** `text` with every key-shaped string and every given value (also in its JSON-escaped form) masked. */
export function redactSecrets(text: string, values: Iterable<string> = []): string {
  let safe = text;
  // Longest first, so a value that contains another is masked whole.
  const sorted = [...new Set(values)]
    .filter((value) => value.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const value of sorted) {
    safe = safe.split(value).join('[redacted]');
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) safe = safe.split(escaped).join('[redacted]');
  }
  return redactKeys(safe);
}

/** The text of an error as it may leave the process. */
export const redactError = (error: unknown, text: string): string =>
  redactSecrets(text, sensitiveValuesOf(error));
