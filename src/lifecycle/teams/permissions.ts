/**
 * What a team-leader key may do: only its team's workers, only the fields a team may set, images from its list,
 * lifetimes no longer than its limit; another tenant's worker answers as an unknown one.
 *
 * @module
 */

import { ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, CreateInput, TeamRecord, UpdateInput } from '../model';
import { requireTeam } from './records';

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
