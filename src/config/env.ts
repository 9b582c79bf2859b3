/**
 * Environment variables as zod fields. Each group of settings is a `z.object` of these fields keyed by variable
 * name (see `core.ts`), parsed once at the edge; every failure is a `ConfigError` that names the variable, thrown
 * at start ("fail fast at the edge") rather than on the first request that needs it. A blank value counts as unset.
 *
 * @module
 */

import { z } from 'zod';
import { ConfigError } from '../errors';

export type Env = Record<string, string | undefined>;

const blankIsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === ''
    ? undefined
    : typeof value === 'string'
      ? value.trim()
      : value;

/** A string field with a default. */
export const envString = (fallback: string) => z.preprocess(blankIsUnset, z.string().default(fallback));

/** A string field that may be absent. */
export const envOptional = () => z.preprocess(blankIsUnset, z.string().optional());

/**
 * A field read from one word: `undefined` (unset or blank) gives the fallback, anything else goes through `read`,
 * which answers the value or `fail(message)`; the message is prefixed with the variable's name when it is reported.
 */
const envWord = <T>(fallback: T, read: (value: string, fail: (message: string) => never) => T) =>
  z.preprocess(
    blankIsUnset,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return fallback;
        try {
          return read(value, (message) => {
            throw new FieldProblem(message);
          });
        } catch (error) {
          if (!(error instanceof FieldProblem)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
          return z.NEVER;
        }
      }),
  );

class FieldProblem extends Error {}

/** An integer field with a default and an inclusive range. */
export const envInt = (fallback: number, range: { min?: number; max?: number } = {}) =>
  envWord(fallback, (value, fail) => {
    if (!/^-?\d+$/.test(value)) fail(`must be an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      fail(`must be between ${range.min ?? '-∞'} and ${range.max ?? '∞'}, got ${n}`);
    }
    return n;
  });

/** A boolean field (`1/true/yes/on`, `0/false/no/off`). */
export const envBool = (fallback: boolean) =>
  envWord(fallback, (value, fail) => {
    const lower = value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    return fail(`must be true or false, got ${JSON.stringify(value)}`);
  });

/** A comma-separated list; absent stays `undefined` so a caller can tell "unset" from "set but empty". */
export const envList = () =>
  z.preprocess(
    blankIsUnset,
    z
      .string()
      .optional()
      .transform((value) =>
        value === undefined
          ? undefined
          : value
              .split(',')
              .map((item) => item.trim())
              .filter(Boolean),
      ),
  );

/** One of a fixed set of words. */
export const envOneOf = <T extends string>(allowed: readonly T[], fallback: T) =>
  envWord(fallback, (value, fail) =>
    (allowed as readonly string[]).includes(value)
      ? (value as T)
      : fail(`must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`),
  );

/** Parses `env` with a group's schema; the first problem becomes a `ConfigError` naming its variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(`${issue.path.join('.')} ${issue.message}`);
}

/**
 * One variable at a time, for the adapter readers that pick their variables by what was selected. Each read is
 * the same zod field a group schema uses.
 */
export class EnvReader {
  constructor(private readonly env: Env) {}

  private field<S extends z.ZodType>(name: string, schema: S): z.output<S> {
    return parseEnv(z.object({ [name]: schema }), this.env)[name] as z.output<S>;
  }

  raw(name: string): string | undefined {
    return this.field(name, envOptional());
  }

  string(name: string, fallback: string): string {
    return this.field(name, envString(fallback));
  }

  required(name: string, why: string): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(`Environment variable ${name} is required ${why}`);
    return value;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    return this.field(name, envInt(fallback, range));
  }

  bool(name: string, fallback: boolean): boolean {
    return this.field(name, envBool(fallback));
  }

  list(name: string): string[] | undefined {
    return this.field(name, envList());
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    return this.field(name, envOneOf(allowed, fallback));
  }
}
