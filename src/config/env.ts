/**
 * Typed reads of environment variables. Every failure is a `ConfigError` that names the variable, thrown at start
 * ("fail fast at the edge") rather than on the first request that needs it.
 *
 * @module
 */

import { ConfigError } from '../errors';

export type Env = Record<string, string | undefined>;

export class EnvReader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  required(name: string, why: string): string {
    const value = this.raw(name);
    if (value === undefined) throw new ConfigError(`Environment variable ${name} is required ${why}`);
    return value;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value))
      throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      throw new ConfigError(`${name} must be between ${range.min ?? '-∞'} and ${range.max ?? '∞'}, got ${n}`);
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }

  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }
}
