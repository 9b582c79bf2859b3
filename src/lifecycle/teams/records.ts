/**
 * Teams: a team-leader key manages only its team's workers, within a quota, and only the fields DESIGN §2 lets it.
 *
 * The quota holds under concurrent creates because a create first RESERVES the name in `teams/<team>.json` with a
 * conditional write: two creates racing for the last slot cannot both win the same version of the team record.
 * A reservation whose create died before writing its worker record is dropped when the slot is needed.
 *
 * @module
 */

import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, CreateInput, TeamRecord, UpdateInput } from '../model';
import { iso, isWorker, randomHex, sha256Hex, timingSafeEqualHex } from '../model';

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

/** A reservation older than this with no worker record behind it belongs to a create that died. */
const STALE_RESERVATION_MS = 5 * 60_000;

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

/** Checks a presented team key against the team's key hashes in constant time. */
export async function verifyTeamKey(ctx: LifecycleContext, key: string, team: string): Promise<boolean> {
  const record = await readTeam(ctx, team);
  if (!record) return false;
  const hash = await sha256Hex(key);
  let matched = false;
  for (const candidate of record.keys) matched = timingSafeEqualHex(hash, candidate.hash) || matched;
  return matched;
}

const holds = (team: TeamRecord, name: string) => Object.hasOwn(team.members, name);

/**
 * Takes a quota slot for incarnation `uid` of `name` (idempotent for that uid). The slot belongs to a uid, not to
 * the name: a create calls this only once no live record holds the name, so a slot still bound to another uid is
 * a finished incarnation's (a tombstone whose clean-up has not released it yet, or a create that died). It is
 * re-bound to the new uid rather than shared, or that old incarnation's late release would free the slot the new
 * one lives in and let the team exceed its quota.
 */
export async function reserveName(
  ctx: LifecycleContext,
  team: string,
  name: string,
  uid: string,
): Promise<void> {
  const now = ctx.clock.now();
  let stale: Stale[] = [];
  for (let pass = 0; pass < 2; pass++) {
    let full = false;
    await ctx.repo.team(team).update((current) => {
      full = false;
      if (!current)
        throw new ValidationError(`team ${team} does not exist; create it first (POST /teams)`, 'team');
      if (holds(current, name)) {
        if (current.members[name]!.uid === uid) return undefined;
        const members = { ...current.members, [name]: { reserved_at: iso(now), uid } };
        return { ...current, members };
      }
      const members = new Map(Object.entries(current.members));
      // Only the very reservation judged stale: one re-bound since (a new create of that name) is live.
      for (const dead of stale) {
        const held = members.get(dead.name);
        if (held && held.uid === dead.uid && held.reserved_at === dead.reserved_at) members.delete(dead.name);
      }
      if (members.size >= current.max_workers) {
        full = true;
        return stale.length ? { ...current, members: Object.fromEntries(members) } : undefined;
      }
      members.set(name, { reserved_at: iso(now), uid });
      return { ...current, members: Object.fromEntries(members) };
    });
    if (!full) return;
    if (pass === 0) stale = await staleReservations(ctx, team, now);
    if (stale.length === 0) break;
  }
  throw new ConflictError(`team ${team} is at its quota of workers`, 'quota_exceeded');
}

/** A reservation judged stale, as it was read: removed only if still exactly that. */
interface Stale {
  name: string;
  uid: string | undefined;
  reserved_at: string;
}

async function staleReservations(ctx: LifecycleContext, team: string, now: number): Promise<Stale[]> {
  const record = await readTeam(ctx, team);
  if (!record) return [];
  const dead: Stale[] = [];
  for (const [name, held] of Object.entries(record.members)) {
    if (now - Date.parse(held.reserved_at) < STALE_RESERVATION_MS) continue;
    const worker = (await ctx.repo.read(name))?.value;
    if (!isWorker(worker) || worker.team !== team)
      dead.push({ name, uid: held.uid, reserved_at: held.reserved_at });
  }
  return dead;
}

/**
 * Gives a slot back (a failed create, a finished delete), but only the slot of that incarnation: a name
 * re-created meanwhile keeps its own. Best effort: a leftover is reclaimed as stale when the slot is needed.
 */
export async function releaseName(
  ctx: LifecycleContext,
  team: string,
  name: string,
  uid: string,
): Promise<void> {
  await ctx.repo
    .team(team)
    .update((current) => {
      if (!current || !holds(current, name)) return undefined;
      const holder = current.members[name]!.uid;
      if (holder !== undefined && holder !== uid) return undefined;
      const members = new Map(Object.entries(current.members));
      members.delete(name);
      return { ...current, members: Object.fromEntries(members) };
    })
    .catch(() => undefined);
}

/** Two creates of one name raced: the slot (reserved by either) now belongs to the incarnation that won. */
export async function handOverName(
  ctx: LifecycleContext,
  team: string,
  name: string,
  uid: string,
): Promise<void> {
  await ctx.repo
    .team(team)
    .update((current) => {
      if (!current || !holds(current, name) || current.members[name]!.uid === uid) return undefined;
      const members = new Map(Object.entries(current.members));
      members.set(name, { ...current.members[name]!, uid });
      return { ...current, members: Object.fromEntries(members) };
    })
    .catch(() => undefined);
}

/** Fields a team key may set on create; every other given field is manager-only (403 naming it). */
const TEAM_CREATE_FIELDS = new Set([
  'name',
  'image',
  'runtime',
  'env',
  'labels',
  'idle_timeout_seconds',
  'ttl_seconds',
  'expires_at',
  'team',
  // A team leader configures its members' agents and where they start (HiClaw's agent fields and `state`).
  'profile',
  'initial_state',
]);
const TEAM_UPDATE_FIELDS = new Set([
  'image',
  'env',
  'labels',
  'idle_timeout_seconds',
  'ttl_seconds',
  'expires_at',
  'profile',
]);

function assertImageAllowed(team: TeamRecord, image: string | undefined, defaultImage: string) {
  const wanted = image ?? defaultImage;
  if (wanted !== defaultImage && !team.allowed_images.includes(wanted)) {
    throw new ForbiddenError(`image ${wanted} is not in team ${team.name}'s allowed images`, {
      details: { field: 'image' },
    });
  }
}

/**
 * What a team key may do on create: its own team, allowed images, a lifetime within the team's maximum.
 * Returns the input with `team` filled in.
 */
export async function checkTeamCreate(
  ctx: LifecycleContext,
  actor: Actor,
  input: CreateInput,
): Promise<CreateInput> {
  if (actor.kind !== 'team') return input;
  for (const field of Object.keys(input)) {
    if (!TEAM_CREATE_FIELDS.has(field))
      throw new ForbiddenError(`${field} can be set by a manager key only`, { details: { field } });
  }
  if (input.team !== undefined && input.team !== actor.team) {
    throw new ForbiddenError('team can be set by a manager key only', { details: { field: 'team' } });
  }
  const team = await requireTeam(ctx, actor.team);
  assertImageAllowed(team, input.image, ctx.settings.defaultImage);
  if (team.max_ttl_seconds !== undefined) {
    const now = ctx.clock.now();
    const limit = now + team.max_ttl_seconds * 1000;
    const asked =
      input.ttl_seconds !== undefined
        ? now + input.ttl_seconds * 1000
        : input.expires_at
          ? Date.parse(input.expires_at)
          : undefined;
    if (asked === undefined) return { ...input, team: actor.team, ttl_seconds: team.max_ttl_seconds };
    if (asked > limit) {
      throw new ForbiddenError(`team ${team.name} workers may live at most ${team.max_ttl_seconds} s`, {
        details: { field: input.ttl_seconds !== undefined ? 'ttl_seconds' : 'expires_at' },
      });
    }
  }
  return { ...input, team: actor.team };
}

/** What a team key may change: only the listed fields, allowed images, and a lifetime that only gets shorter. */
export async function checkTeamUpdate(
  ctx: LifecycleContext,
  actor: Actor,
  currentExpiresAt: string | undefined,
  patch: UpdateInput,
): Promise<void> {
  if (actor.kind !== 'team') return;
  for (const field of Object.keys(patch)) {
    if (!TEAM_UPDATE_FIELDS.has(field))
      throw new ForbiddenError(`${field} can be changed by a manager key only`, { details: { field } });
  }
  const team = await requireTeam(ctx, actor.team);
  if (patch.image !== undefined) assertImageAllowed(team, patch.image, ctx.settings.defaultImage);
  const now = ctx.clock.now();
  const asked =
    patch.ttl_seconds !== undefined
      ? now + patch.ttl_seconds * 1000
      : patch.expires_at === null
        ? Number.POSITIVE_INFINITY
        : patch.expires_at !== undefined
          ? Date.parse(patch.expires_at)
          : undefined;
  if (asked === undefined) return;
  const current = currentExpiresAt ? Date.parse(currentExpiresAt) : Number.POSITIVE_INFINITY;
  if (asked > current) {
    throw new ForbiddenError('a team key may only shorten a lifetime', {
      details: { field: patch.ttl_seconds !== undefined ? 'ttl_seconds' : 'expires_at' },
    });
  }
}

/** The 404 for a worker that is not there; a team key gets the same for one that is not its team's. */
export const workerNotFound = (name: string) =>
  new NotFoundError(`worker ${name} not found`, { details: { name, status: 'not_found' } });

/** Whether this caller may see and manage the worker: managers all, a team key its team's only. */
export const actorOwns = (actor: Actor, worker: { team?: string }): boolean =>
  actor.kind !== 'team' || worker.team === actor.team;

/**
 * A team key sees and manages only its team's workers. Another tenant's worker answers exactly as an unknown one
 * (404, same body): a 403 would tell a team which names other tenants use.
 */
export function assertActorOwns(actor: Actor, worker: { name: string; team?: string }): void {
  if (!actorOwns(actor, worker)) throw workerNotFound(worker.name);
}

/**
 * Names are global, so a create of a name another tenant holds cannot succeed: it is a conflict, which says no
 * more than that the name is taken.
 */
export function assertActorMayClaim(actor: Actor, worker: { name: string; team?: string }): void {
  if (!actorOwns(actor, worker)) {
    throw new ConflictError(`the name ${worker.name} is taken; choose another`, 'exists');
  }
}

/** The names holding a slot of this team's quota, sorted: all a team listing ever needs to read. */
export async function teamMemberNames(ctx: LifecycleContext, team: string): Promise<string[]> {
  const record = await readTeam(ctx, team);
  return record ? Object.keys(record.members).sort() : [];
}
