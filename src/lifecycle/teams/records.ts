/**
 * Team records: settings and team-leader keys (only their hashes are stored; a key is shown once).
 *
 * @module
 */

import { ConflictError, NotFoundError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { TeamRecord } from '../model';
import { iso, randomHex, sha256Hex, timingSafeEqualHex } from '../model';

export interface TeamView {
  name: string;
  created_at: string;
  max_workers: number;
  allowed_images: string[];
  max_ttl_seconds: number | null;
  keys: { id: string; created_at: string }[];
  workers: string[];
}

export const renderTeam = (team: TeamRecord): TeamView => ({
  name: team.name,
  created_at: team.created_at,
  max_workers: team.max_workers,
  allowed_images: team.allowed_images,
  max_ttl_seconds: team.max_ttl_seconds ?? null,
  keys: team.keys.map(({ id, created_at }) => ({ id, created_at })),
  workers: Object.keys(team.members).sort(),
});

export const teamKeyPrefix = (workerKeyPrefix: string) => `${workerKeyPrefix}team`;
const TEAM_KEY_SHAPE = /^([a-z][a-z0-9]{1,19})_([a-z][a-z0-9-]{0,62})_([0-9a-f]{16})([0-9a-f]{48})$/;

/** Parses `<prefix>team_<team>_<16 hex id><48 hex>` without I/O. */
export function parseTeamKey(key: string, workerKeyPrefix: string): { team: string; id: string } | null {
  const match = TEAM_KEY_SHAPE.exec(key);
  if (!match || match[1] !== teamKeyPrefix(workerKeyPrefix)) return null;
  return { team: match[2]!, id: match[3]! };
}

export async function readTeam(ctx: LifecycleContext, team: string): Promise<TeamRecord | null> {
  return ctx.repo.team(team).read();
}

export async function requireTeam(ctx: LifecycleContext, team: string): Promise<TeamRecord> {
  const record = await readTeam(ctx, team);
  if (!record) throw new NotFoundError(`team ${team} not found`);
  return record;
}

export interface TeamSettingsInput {
  max_workers?: number;
  allowed_images?: string[];
  max_ttl_seconds?: number | null;
}

export async function createTeam(ctx: LifecycleContext, name: string, input: TeamSettingsInput) {
  const now = ctx.clock.now();
  const result = await ctx.repo.team(name).update((current) => {
    if (current) throw new ConflictError(`team ${name} already exists`, 'exists');
    return {
      name,
      created_at: iso(now),
      max_workers: input.max_workers ?? 10,
      allowed_images: input.allowed_images ?? [],
      ...(input.max_ttl_seconds ? { max_ttl_seconds: input.max_ttl_seconds } : {}),
      keys: [],
      members: {},
    };
  });
  return renderTeam(result.value!);
}

export async function updateTeam(ctx: LifecycleContext, name: string, input: TeamSettingsInput) {
  const result = await ctx.repo.team(name).update((current) => {
    if (!current) throw new NotFoundError(`team ${name} not found`);
    const { max_ttl_seconds: _old, ...rest } = current;
    const ttl = input.max_ttl_seconds === undefined ? current.max_ttl_seconds : input.max_ttl_seconds;
    return {
      ...rest,
      ...(input.max_workers !== undefined ? { max_workers: input.max_workers } : {}),
      ...(input.allowed_images !== undefined ? { allowed_images: input.allowed_images } : {}),
      ...(ttl ? { max_ttl_seconds: ttl } : {}),
    };
  });
  return renderTeam(result.value!);
}

/** Mints a team key; only its hash is stored and the plaintext is returned once. */
export async function mintTeamKey(ctx: LifecycleContext, team: string) {
  const id = randomHex(8);
  const key = `${teamKeyPrefix(ctx.settings.keyPrefix)}_${team}_${id}${randomHex(24)}`;
  const hash = await sha256Hex(key);
  const now = ctx.clock.now();
  await ctx.repo.team(team).update((current) => {
    if (!current) throw new NotFoundError(`team ${team} not found`);
    return { ...current, keys: [...current.keys, { id, hash, created_at: iso(now) }] };
  });
  return { id, key };
}

export async function revokeTeamKey(ctx: LifecycleContext, team: string, id: string) {
  await ctx.repo.team(team).update((current) => {
    if (!current) throw new NotFoundError(`team ${team} not found`);
    if (!current.keys.some((k) => k.id === id)) return undefined;
    return { ...current, keys: current.keys.filter((k) => k.id !== id) };
  });
}

/** The team record a presented key belongs to (compared in constant time), or `undefined`. */
export async function teamOfKey(
  ctx: LifecycleContext,
  key: string,
  team: string,
): Promise<TeamRecord | undefined> {
  const record = await readTeam(ctx, team);
  if (!record) return undefined;
  const hash = await sha256Hex(key);
  let matched = false;
  for (const candidate of record.keys) matched = timingSafeEqualHex(hash, candidate.hash) || matched;
  return matched ? record : undefined;
}

/** The names holding a slot of this team's quota, sorted: all a team listing ever needs to read. */
export async function teamMemberNames(ctx: LifecycleContext, team: string): Promise<string[]> {
  const record = await readTeam(ctx, team);
  return record ? Object.keys(record.members).sort() : [];
}
