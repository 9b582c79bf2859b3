/**
 * Team management (manager key only): teams, their quota and allowed images, and team-leader keys.
 *
 * @module
 */

import { z } from 'zod';
import { ValidationError } from '../../errors';
import type { WorkerService } from '../../lifecycle';
import { createTeam, mintTeamKey, renderTeam, requireTeam, revokeTeamKey, updateTeam } from '../../lifecycle';
import { assertTeamName } from '../../names';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, workerName } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

const image = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/, 'not a valid image reference')
  .meta({ description: 'An image reference', example: 'ghcr.io/acme/agent:1.4' });
const settings = {
  max_workers: z
    .int()
    .min(0)
    .max(100_000)
    .optional()
    .meta({ description: 'How many workers the team may have at once', example: 20 }),
  allowed_images: z
    .array(image)
    .max(100)
    .optional()
    .meta({
      description: 'The images its workers may run; any when empty',
      example: ['ghcr.io/acme/agent:1.4'],
    }),
  max_ttl_seconds: z
    .int()
    .min(60)
    .max(365 * 24 * 3600)
    .nullable()
    .optional()
    .meta({
      description: 'The longest lifetime a worker of the team may have; `null` for none',
      example: 604_800,
    }),
};
const createTeamBody = z
  .strictObject({ name: workerName, ...settings })
  .meta({ id: 'CreateTeamInput', description: 'A new team', example: { name: 'research', max_workers: 20 } });
const updateTeamBody = z.strictObject(settings).meta({
  id: 'UpdateTeamInput',
  description: 'New team settings; what is not given stays',
  example: { max_workers: 30 },
});
const TEAM_EXAMPLE = {
  name: 'research',
  created_at: '2026-12-06T10:00:00.000Z',
  max_workers: 20,
  allowed_images: [],
  max_ttl_seconds: null,
  keys: [{ id: 'k1a2b3', created_at: '2026-12-06T10:00:00.000Z' }],
  workers: ['alice'],
};
const teamResponse = z
  .object({
    name: z.string().meta({ description: 'The team name', example: 'research' }),
    created_at: z
      .string()
      .meta({ description: 'Created (ISO-8601, UTC)', example: '2026-12-06T10:00:00.000Z' }),
    max_workers: z.number().meta({ description: 'How many workers it may have at once', example: 20 }),
    allowed_images: z
      .array(z.string())
      .meta({ description: 'The images its workers may run; any when empty', example: [] }),
    max_ttl_seconds: z
      .number()
      .nullable()
      .meta({ description: 'The longest worker lifetime, if capped', example: null }),
    keys: z
      .array(
        z.object({
          id: z.string().meta({ description: 'The key’s id (to revoke it)', example: 'k1a2b3' }),
          created_at: z
            .string()
            .meta({ description: 'Minted (ISO-8601, UTC)', example: '2026-12-06T10:00:00.000Z' }),
        }),
      )
      .meta({
        description: 'Its team-leader keys (ids only; a key is shown once, when minted)',
        example: TEAM_EXAMPLE.keys,
      }),
    workers: z.array(z.string()).meta({ description: 'Its workers’ names', example: ['alice'] }),
  })
  .meta({ id: 'Team', description: 'A team, its quota and its keys', example: TEAM_EXAMPLE });
const teamKeyResponse = z
  .object({
    team: z.string().meta({ description: 'The team', example: 'research' }),
    id: z.string().meta({ description: 'The key’s id (to revoke it)', example: 'k1a2b3' }),
    key: z.string().meta({ description: 'The key itself: shown this once', example: 'tok_research_…' }),
  })
  .meta({
    id: 'TeamKey',
    description: 'A new team-leader key',
    example: { team: 'research', id: 'k1a2b3', key: 'tok_research_…' },
  });

const errors = {
  400: { description: 'Bad input', schema: errorResponse },
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Not a manager key', schema: errorResponse },
};

export function registerTeamRoutes(routes: RouteTable, service: WorkerService): void {
  const { ctx } = service;
  routes.add(
    {
      method: 'post',
      path: '/teams',
      operationId: 'createTeam',
      summary: 'Create a team',
      description:
        'A team has a worker quota (`max_workers`, default 10), the images its keys may use, and an optional longest lifetime.',
      tag: 'teams',
      access: 'admin',
      body: createTeamBody,
      responses: {
        201: { description: 'Created', schema: teamResponse },
        409: { description: 'Exists', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      const { name, ...rest } = await readJsonBody(c, createTeamBody);
      return c.json(await createTeam(ctx, name, rest), 201);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/teams/{team}',
      operationId: 'getTeam',
      summary: 'A team: settings, key ids, workers holding its quota',
      tag: 'teams',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: { description: 'The team', schema: teamResponse },
        404: { description: 'Unknown', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json(renderTeam(await requireTeam(ctx, assertTeamName(c.req.param('team')))), 200);
    },
  );
  routes.add(
    {
      method: 'patch',
      path: '/teams/{team}',
      operationId: 'updateTeam',
      summary: "Change a team's quota, images or longest lifetime",
      tag: 'teams',
      access: 'admin',
      body: updateTeamBody,
      responses: {
        200: { description: 'Updated', schema: teamResponse },
        404: { description: 'Unknown', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      const team = assertTeamName(c.req.param('team'));
      return c.json(await updateTeam(ctx, team, await readJsonBody(c, updateTeamBody)), 200);
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/teams/{team}/keys',
      operationId: 'createTeamKey',
      summary: 'Mint a team-leader key (returned once)',
      tag: 'teams',
      access: 'admin',
      query: emptyQuery,
      responses: {
        201: { description: 'The key', schema: teamKeyResponse },
        404: { description: 'Unknown', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const team = assertTeamName(c.req.param('team'));
      const { id, key } = await mintTeamKey(ctx, team);
      return c.json({ team, id, key }, 201);
    },
  );
  routes.add(
    {
      method: 'delete',
      path: '/teams/{team}/keys/{id}',
      operationId: 'revokeTeamKey',
      summary: 'Revoke a team-leader key',
      tag: 'teams',
      access: 'admin',
      query: emptyQuery,
      responses: {
        204: { description: 'Revoked (also when already gone)' },
        404: { description: 'Unknown team', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const team = assertTeamName(c.req.param('team'));
      const id = c.req.param('id') ?? '';
      if (!/^[0-9a-f]{16}$/.test(id))
        throw new ValidationError('id must be a key id returned by POST /teams/{team}/keys', 'id');
      await revokeTeamKey(ctx, team, id);
      return c.body(null, 204);
    },
  );
}
