/**
 * Who a bearer key belongs to. Manager keys come from configuration (several, so they rotate without downtime);
 * worker keys name their worker, so one record read decides; a malformed key costs no I/O at all.
 *
 * @module
 */

import { UnauthorizedError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, WorkerRecord } from '../model';
import { isExpired, isWorker, parseWorkerKey, sha256Hex, timingSafeEqualHex } from '../model';
import { parseTeamKey, teamOfKey } from '../teams';

export type Principal =
  | { kind: 'manager' }
  /** `created_at`: the team record's, which tells a team from one recreated later under its name. */
  | { kind: 'team'; team: string; created_at: string }
  | { kind: 'worker'; record: WorkerRecord; viaPreviousKey: boolean }
  | { kind: 'anonymous' };

export interface AuthConfig {
  /** `keys` (the default and the only mode a cloud entry can use) or `off` (loopback emulator, explicit switch). */
  mode: 'keys' | 'off';
  /** SHA-256 hex of each configured manager key. */
  managerKeyHashes: string[];
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export async function authenticate(
  ctx: LifecycleContext,
  auth: AuthConfig,
  token: string | undefined,
): Promise<Principal> {
  // With auth off (loopback emulator only) anything unidentified is the manager, but worker and team keys are
  // still recognised: a worker must still be able to report its own readiness (HiClaw defect #2).
  const identified =
    token !== undefined &&
    (parseTeamKey(token, ctx.settings.keyPrefix) !== null ||
      parseWorkerKey(token, ctx.settings.keyPrefix) !== null);
  if (auth.mode === 'off' && !identified) return { kind: 'manager' };
  if (!token) return { kind: 'anonymous' };
  const team = parseTeamKey(token, ctx.settings.keyPrefix);
  if (team) {
    const holder = await teamOfKey(ctx, token, team.team);
    if (holder) return { kind: 'team', team: team.team, created_at: holder.created_at };
    throw new UnauthorizedError();
  }
  const parsed = parseWorkerKey(token, ctx.settings.keyPrefix);
  const hash = await sha256Hex(token);
  if (!parsed) {
    // Compare against every manager key so the time taken does not say which one (if any) was close.
    let matched = false;
    for (const candidate of auth.managerKeyHashes) matched = timingSafeEqualHex(hash, candidate) || matched;
    if (matched) return { kind: 'manager' };
    throw new UnauthorizedError();
  }
  const record = (await ctx.repo.read(parsed.name))?.value;
  if (!isWorker(record)) throw new UnauthorizedError();
  const now = ctx.clock.now();
  const current = timingSafeEqualHex(hash, record.key_hash);
  const previous =
    !current &&
    record.prev_key_hash !== undefined &&
    record.prev_key_valid_until !== undefined &&
    Date.parse(record.prev_key_valid_until) > now &&
    timingSafeEqualHex(hash, record.prev_key_hash);
  if (!current && !previous) throw new UnauthorizedError();
  if (isExpired(record, now)) throw new UnauthorizedError(`worker ${record.name} has expired`, 'expired');
  return { kind: 'worker', record, viaPreviousKey: previous };
}

/** The actor recorded on transitions for a principal that passed a manager route. */
export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case 'manager':
      return { kind: 'manager' };
    case 'team':
      return { kind: 'team', team: principal.team };
    case 'worker':
      return { kind: 'worker', name: principal.record.name };
    case 'anonymous':
      return { kind: 'anonymous' };
  }
}
