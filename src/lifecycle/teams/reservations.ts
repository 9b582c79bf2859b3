/**
 * Quota reservations: the quota holds under concurrent creates because a create first RESERVES its name in
 * `teams/<team>.json` with a conditional write, so two creates racing for the last slot cannot both win the same
 * version of the team record. A slot belongs to an incarnation (uid); a reservation whose create died before
 * writing its worker record is dropped when the slot is needed.
 *
 * @module
 */

import { ConflictError, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { TeamRecord } from '../model';
import { iso, isWorker } from '../model';
import { readTeam } from './records';

/** A reservation older than this whose worker record never appeared belongs to a create that died. */
const STALE_RESERVATION_MS = 5 * 60_000;

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
