/**
 * Listing teams: one store listing of the team records, then each one read. Teams are few (each is made by hand
 * with a manager key), so a bounded full listing is enough.
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import type { TeamRecord } from '../model';
import { readTeam } from './records';

/** More teams than this is not a deployment this listing was made for; it stops rather than run unbounded. */
const MAX_TEAMS = 1000;

export async function listTeams(ctx: LifecycleContext): Promise<TeamRecord[]> {
  const names = await ctx.repo.listTeamNames(MAX_TEAMS);
  const teams = await Promise.all(names.map((name) => readTeam(ctx, name)));
  return teams.filter((team): team is TeamRecord => team !== null);
}
