/**
 * Listing teams: one store listing under `teams/`, then each team record read. Teams are few (each is made by hand
 * with a manager key), so a bounded full listing is enough.
 *
 * @module
 */

import { layout } from '../store/layout';
import type { LifecycleContext } from './context';
import { readTeam, type TeamRecord } from './teams';

/** More teams than this is not a deployment this listing was made for; it stops rather than run unbounded. */
const MAX_TEAMS = 1000;

export async function listTeams(ctx: LifecycleContext): Promise<TeamRecord[]> {
  const prefix = layout.team('').slice(0, -'.json'.length);
  const names: string[] = [];
  let startAfter: string | undefined;
  do {
    const page = await ctx.repo.store.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
    for (const { key } of page.keys) {
      if (key.endsWith('.json')) names.push(key.slice(prefix.length, -'.json'.length));
    }
    startAfter = page.cursor;
  } while (startAfter && names.length < MAX_TEAMS);
  const teams = await Promise.all(names.slice(0, MAX_TEAMS).map((name) => readTeam(ctx, name)));
  return teams.filter((team): team is TeamRecord => team !== null);
}
