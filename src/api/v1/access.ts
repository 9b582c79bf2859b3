/**
 * The hiclaw-controller authorization matrix over our keys: the manager key plays HiClaw's admin/manager token, a
 * team key its team-leader token, a worker key its worker token.
 *
 * - manager: everything.
 * - team: every worker action except delete, on its own team's workers only (HiClaw also lets a team leader act
 *   on workers of no team; we do not: a team key never reaches beyond its team); teams: read only, its own.
 *   What a team key cannot see answers as what does not exist (404), so it cannot tell taken names from free ones.
 * - worker: ready, get and status on itself only; credentials (registered with the credentials route).
 *
 * @module
 */

import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors';
import type { Actor } from '../../lifecycle';
import { actorOf, type Principal } from '../../lifecycle';

export type WorkerAction =
  | 'create'
  | 'list'
  | 'get'
  | 'update'
  | 'delete'
  | 'wake'
  | 'sleep'
  | 'ensure-ready'
  | 'ready'
  | 'status';

const WORKER_SELF_ACTIONS: ReadonlySet<WorkerAction> = new Set(['ready', 'get', 'status']);

const denied = (why: string) => new ForbiddenError(`authorization denied: ${why}`);

/** Throws 403 unless the matrix allows `action`; returns the actor the lifecycle records (and scopes team keys by). */
export function authorizeWorkerAction(principal: Principal, action: WorkerAction, target?: string): Actor {
  switch (principal.kind) {
    case 'manager':
      return actorOf(principal);
    case 'team':
      if (action === 'delete') throw denied('a team leader cannot delete workers');
      return actorOf(principal);
    case 'worker':
      // A rotated-out key is good for fetching credentials during the grace, nothing else.
      if (principal.viaPreviousKey) throw new UnauthorizedError('this key was rotated out');
      if (!WORKER_SELF_ACTIONS.has(action) || target !== principal.record.name) {
        throw denied(`a worker may only ${[...WORKER_SELF_ACTIONS].join(', ')} itself`);
      }
      return actorOf(principal);
    case 'anonymous':
      // Only reachable with auth switched off, where every caller is the manager; kept for exhaustiveness.
      throw denied('no identity');
  }
}

/**
 * Teams are read by managers and team leaders. A team key sees its own team only; another team answers exactly as
 * a team that does not exist, as workers outside its team do.
 */
export function authorizeTeamRead(principal: Principal, team?: string): void {
  if (principal.kind === 'manager') return;
  if (principal.kind !== 'team') throw denied('teams are for managers and leaders');
  if (team !== undefined && team !== principal.team) throw new NotFoundError(`team ${team} not found`);
}
