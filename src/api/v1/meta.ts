/**
 * `/api/v1/status`, `/api/v1/version` and `/api/v1/teams[/{name}]`: HiClaw's overview routes as views of our
 * workers and teams. Teams are read-only here; they are managed through `/teams` with a manager key.
 *
 * @module
 */

import type { TeamRecord, WorkerService } from '../../lifecycle';
import { listTeams, requireTeam } from '../../lifecycle';
import { assertTeamName } from '../../names';
import type { RouteTable } from '../route-table';
import { readQuery } from '../validate';
import { authorizeTeamRead } from './access';
import { asV1NotFound } from './not-found';
import { v1EmptyQuery, v1Error, v1Status, v1Team, v1TeamList, v1Version } from './schemas';
import { v1Errors } from './workers';

/** HiClaw reports whether it runs on Kubernetes; we never do. */
const KUBE_MODE = 'none';

export function registerV1MetaRoutes(routes: RouteTable, service: WorkerService, version: string): void {
  const { ctx } = service;

  /** Counting readiness reads each member's record: teams are small, and this is a manager's overview. */
  const teamView = async (team: TeamRecord) => {
    const names = Object.keys(team.members).sort();
    const records = await Promise.all(names.map((name) => ctx.repo.read(name)));
    const ready = records.filter((r) => r?.value?.kind === 'worker' && r.value.phase === 'ready').length;
    return {
      name: team.name,
      teamName: team.name,
      phase: 'Active' as const,
      totalWorkers: names.length,
      readyWorkers: ready,
      workerNames: names,
    };
  };

  routes.add(
    {
      method: 'get',
      path: '/api/v1/status',
      operationId: 'v1Status',
      summary: 'Counts of workers and teams (hiclaw-controller)',
      description:
        'A manager key counts the fleet; a team key its own team; a worker key itself (HiClaw counts everything for everyone).',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: { 200: { description: 'Counts', schema: v1Status }, 401: v1Errors[401] },
    },
    async (c, principal) => {
      readQuery(c, v1EmptyQuery);
      const counts = { kubeMode: KUBE_MODE, totalHumans: 0 };
      // Counts of what the caller may see, so no tenant learns the size of another's fleet, and a team key's
      // request reads only its own team's records.
      if (principal.kind === 'worker') {
        return c.json({ ...counts, totalWorkers: 1, totalTeams: principal.record.team ? 1 : 0 }, 200);
      }
      const scopeTeam = principal.kind === 'team' ? principal.team : undefined;
      // Live workers only (the listing skips deleted ones' tombstones).
      let workers = 0;
      let cursor: string | undefined;
      do {
        const page = await service.list({
          labels: [],
          limit: 1000,
          ...(cursor ? { cursor } : {}),
          ...(scopeTeam ? { scopeTeam } : {}),
        });
        workers += page.workers.length;
        cursor = page.next_cursor;
      } while (cursor);
      const teams = scopeTeam ? 1 : (await listTeams(ctx)).length;
      return c.json({ ...counts, totalWorkers: workers, totalTeams: teams }, 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/version',
      operationId: 'v1Version',
      summary: 'Version (hiclaw-controller)',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: { 200: { description: 'Version', schema: v1Version }, 401: v1Errors[401] },
    },
    (c) => {
      readQuery(c, v1EmptyQuery);
      return c.json({ controller: version, kubeMode: KUBE_MODE }, 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/teams',
      operationId: 'v1ListTeams',
      summary: 'Teams (hiclaw-controller view of /teams)',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: { 200: { description: 'Teams', schema: v1TeamList }, ...v1Errors },
    },
    async (c, principal) => {
      authorizeTeamRead(principal);
      readQuery(c, v1EmptyQuery);
      const all = await listTeams(ctx);
      const visible = principal.kind === 'team' ? all.filter((t) => t.name === principal.team) : all;
      const teams = await Promise.all(visible.map(teamView));
      return c.json({ teams, total: teams.length }, 200);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/teams/{name}',
      operationId: 'v1GetTeam',
      summary: 'A team (hiclaw-controller view of /teams/{team})',
      tag: 'hiclaw /api/v1',
      access: 'token',
      query: v1EmptyQuery,
      responses: {
        200: { description: 'The team', schema: v1Team },
        404: { description: 'get team: not found (also another team, for a team key)', schema: v1Error },
        ...v1Errors,
      },
    },
    async (c, principal) => {
      const name = assertTeamName(c.req.param('name'), 'name');
      authorizeTeamRead(principal);
      readQuery(c, v1EmptyQuery);
      // Another team's name and a free one are checked at the same point, so no input tells them apart.
      const team = await asV1NotFound('get team', () => {
        authorizeTeamRead(principal, name);
        return requireTeam(ctx, name);
      });
      return c.json(await teamView(team), 200);
    },
  );
}
