/**
 * Teams, as the API has them (manager key only): `teams list` (the `/api/v1/teams` view, the API's only listing),
 * `get`, `create`, `update`, and team-leader keys (`keys create` prints the new key once, `keys revoke`).
 *
 * @module
 */
import type { Command } from 'commander';
import { type TeamSettings, unwrap } from '../../client';
import type { CommandContext } from '../context';
import { collect, defined, integer } from '../flags';
import { table } from '../render/table';
import { teamDetails } from '../render/worker';

interface SettingsOptions {
  maxWorkers?: string;
  image?: string[];
  maxTtl?: string | boolean;
}

const settings = (options: SettingsOptions): TeamSettings =>
  defined({
    max_workers: integer('--max-workers', options.maxWorkers),
    allowed_images: options.image,
    // `--no-max-ttl` (update) removes the limit.
    max_ttl_seconds:
      options.maxTtl === false
        ? null
        : integer('--max-ttl', typeof options.maxTtl === 'string' ? options.maxTtl : undefined),
  });

const withSettings = (command: Command) =>
  command
    .option('--max-workers <n>', 'worker quota')
    .option(
      '--image <ref>',
      "an image the team's keys may use (repeatable; the list replaces the old one)",
      collect,
    )
    .option('--max-ttl <seconds>', 'the longest lifetime a team worker may have');

export function registerTeamCommands(program: Command, ctx: CommandContext): void {
  const teams = program
    .command('teams')
    .description('teams, their quotas and team-leader keys (manager key)');

  teams
    .command('list')
    .alias('ls')
    .description('every team, with its workers')
    .action(async (_options: unknown, command: Command) => {
      const list = unwrap(await ctx.client(command).GET('/api/v1/teams'));
      ctx.print(command, list, () =>
        list.teams.length === 0
          ? 'no teams\n'
          : table(
              ['NAME', 'WORKERS', 'READY', 'WORKER NAMES'],
              list.teams.map((t) => [
                t.name,
                String(t.totalWorkers),
                String(t.readyWorkers),
                t.workerNames.join(','),
              ]),
            ),
      );
    });

  teams
    .command('get')
    .argument('<team>')
    .description("a team's settings, key ids and workers")
    .action(async (team: string, _options: unknown, command: Command) => {
      const found = unwrap(await ctx.client(command).GET('/teams/{team}', { params: { path: { team } } }));
      ctx.print(command, found, () => teamDetails(found));
    });

  withSettings(teams.command('create').argument('<name>').description('create a team')).action(
    async (name: string, options: SettingsOptions, command: Command) => {
      const team = unwrap(await ctx.client(command).POST('/teams', { body: { name, ...settings(options) } }));
      ctx.print(command, team, () => `created team ${name}\n${teamDetails(team)}`);
    },
  );

  withSettings(
    teams
      .command('update')
      .argument('<team>')
      .description("change a team's quota, images or longest lifetime"),
  )
    .option('--no-max-ttl', 'remove the lifetime limit')
    .action(async (name: string, options: SettingsOptions, command: Command) => {
      const team = unwrap(
        await ctx
          .client(command)
          .PATCH('/teams/{team}', { params: { path: { team: name } }, body: settings(options) }),
      );
      ctx.print(command, team, () => `updated team ${name}\n${teamDetails(team)}`);
    });

  const keys = teams.command('keys').description('team-leader keys');
  keys
    .command('create')
    .argument('<team>')
    .description('mint a team-leader key, printed once')
    .action(async (team: string, _options: unknown, command: Command) => {
      const minted = unwrap(
        await ctx.client(command).POST('/teams/{team}/keys', { params: { path: { team } } }),
      );
      ctx.print(
        command,
        minted,
        () =>
          `key ${minted.id} for team ${team}:\n${minted.key}\n  (shown once: the orchestrator keeps only its hash)\n`,
      );
    });
  keys
    .command('revoke')
    .argument('<team>')
    .argument('<id>', 'the key id (from keys create or teams get)')
    .description('revoke a team-leader key (also when it is already gone)')
    .action(async (team: string, id: string, _options: unknown, command: Command) => {
      unwrap(await ctx.client(command).DELETE('/teams/{team}/keys/{id}', { params: { path: { team, id } } }));
      ctx.print(command, { team, id, revoked: true }, () => `revoked key ${id} of team ${team}\n`);
    });
}
