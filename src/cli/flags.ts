/**
 * Parsing option values: `KEY=VALUE` pairs, bounded integers, env files and raw JSON bodies. Every failure is a
 * usage error (exit 2) naming the option.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './exit';

/** Commander's collector for repeatable options. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function pairs(option: string, values: string[] | undefined): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    // Not quoted back: an --env value may be a secret.
    if (at <= 0)
      throw new CliError(`${option} takes KEY=VALUE (one was given without a key or "=")`, EXIT.usage);
    out[value.slice(0, at)] = value.slice(at + 1);
  }
  return out;
}

export function integer(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new CliError(`${option} takes a whole number, got ${JSON.stringify(value)}`, EXIT.usage);
  return Number(value);
}

/** A positive number of seconds, fractions allowed (`--interval 0.5`). */
export function seconds(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new CliError(`${option} takes a positive number of seconds`, EXIT.usage);
  return n;
}

/**
 * `KEY=VALUE` lines (blank lines and `#` comments skipped): env values that should not sit on a command line,
 * where `ps` and shell history would show them.
 */
export function envFile(path: string | undefined): Record<string, string> | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read --env-file ${path}`, EXIT.usage);
  }
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const at = line.indexOf('=');
    // The line is not quoted back: it may hold a secret.
    if (at <= 0) throw new CliError(`line ${index + 1} of --env-file ${path} is not KEY=VALUE`, EXIT.usage);
    out[line.slice(0, at)] = line.slice(at + 1);
  });
  return out;
}

/** `--body '{"extra_hosts":[...]}'`: any field the flags do not cover; flags given beside it win. */
export function jsonBody(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {}
  throw new CliError('--body takes a JSON object', EXIT.usage);
}

/** Drops undefined fields, so an option not given is not sent. */
export const defined = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
