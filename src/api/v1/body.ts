/**
 * Reading a controller-contract worker body: HiClaw's reserved team fields are a 400 naming the field, the older
 * contract's fields HiClaw drops are dropped, anything else unknown is a 400 naming it (HiClaw drops those too,
 * but a misspelt agent field silently lost is worse than an answer that names it).
 *
 * @module
 */

import type { Context } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../../errors';
import { parseWith, readJsonBody } from '../validate';
import { AGENT_FIELD_NAMES, IGNORED_LEGACY_FIELDS, RESERVED_TEAM_FIELDS } from './schemas';

/** The whole agent profile, serialised, must fit comfortably in one environment variable. */
const MAX_PROFILE_BYTES = 48 * 1024;

export async function readV1Body<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const raw = await readJsonBody(c, z.record(z.string(), z.unknown()));
  for (const field of RESERVED_TEAM_FIELDS) {
    if (Object.hasOwn(raw, field)) {
      throw new ValidationError(
        `${field} is reserved: team membership is managed through the team, not the worker`,
        field,
      );
    }
  }
  const kept = Object.fromEntries(
    Object.entries(raw).filter(([key]) => !(IGNORED_LEGACY_FIELDS as readonly string[]).includes(key)),
  );
  return parseWith(schema, kept, 'body');
}

/** The agent fields of a parsed body, in one fixed order (the profile is compared by value). */
export function agentProfileOf(body: Record<string, unknown>): Record<string, unknown> {
  const profile = Object.fromEntries(
    AGENT_FIELD_NAMES.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]),
  );
  if (new TextEncoder().encode(JSON.stringify(profile)).byteLength > MAX_PROFILE_BYTES) {
    throw new ValidationError(`the agent fields together exceed ${MAX_PROFILE_BYTES} bytes`, 'body');
  }
  return profile;
}

/**
 * PUT's merge, as HiClaw does it: a non-empty string overwrites (an empty one cannot clear), a list or object
 * present replaces (`[]` clears a list).
 */
export function mergeProfile(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const name of AGENT_FIELD_NAMES) {
    const value = patch[name];
    if (value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) delete merged[name];
    else merged[name] = value;
  }
  return agentProfileOf(merged);
}
