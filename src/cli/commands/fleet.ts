/**
 * `fleet wake|sleep|delete|ensure-ready`: one action on every worker a selector matches, with a result per worker.
 * `--max` is required, so a selector that matches more than the caller expects is refused before anything moves.
 *
 * @module
 */
import type { Command } from 'commander';
import { type components, unwrap } from '../../client';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../exit';
import { collect, integer, pairs } from '../flags';
import { table } from '../render/table';

const ACTIONS = [
  ['wake', 'wake the selected workers', '/workers/actions/wake'],
  ['sleep', 'put the selected workers to sleep', '/workers/actions/sleep'],
  ['delete', 'delete the selected workers', '/workers/actions/delete'],
  [
    'ensure-ready',
    'wake the selected workers and say which are ready now (no waiting)',
    '/workers/actions/ensure-ready',
  ],
] as const;

type FleetSelector = components['schemas']['FleetSelector'];
type FleetAnswer = components['schemas']['FleetActionReport'];

interface FleetOptions {
  label?: string[];
  team?: string;
  phase?: string;
  name?: string[];
  max?: string;
  dryRun?: boolean;
  force?: boolean;
  idempotencyKey?: string;
}

export function registerFleetCommands(program: Command, ctx: CommandContext): void {
  const fleet = program
    .command('fleet')
    .description(
      'act on every worker a selector matches (labels, team, phase, names), at most --max of them',
    );
  for (const [action, what, path] of ACTIONS) {
    const command = fleet
      .command(action)
      .description(what)
      .option('--label <key=value>', 'only workers with this label (repeatable; all must match)', collect)
      .option('--team <team>', "only this team's workers")
      .option('--phase <phase>', 'only workers in this phase')
      .option('--name <name>', 'only this worker (repeatable)', collect)
      .requiredOption('--max <n>', 'refuse (exit 4) when more workers than this match')
      .option('--dry-run', 'say what would change, change nothing')
      .option(
        '--idempotency-key <key>',
        'a retry with the same key gets the first answer instead of acting again',
      );
    if (action === 'delete') command.option('--force', 'delete workers with deletion protection too');
    command.action(async (options: FleetOptions, cmd: Command) => {
      const selector: FleetSelector = {
        ...(options.label ? { labels: pairs('--label', options.label) } : {}),
        ...(options.team ? { team: options.team } : {}),
        // The API checks the phase and names the field when it is not one: the CLI keeps no second list of them.
        ...(options.phase ? { phase: options.phase as FleetSelector['phase'] } : {}),
        ...(options.name ? { names: options.name } : {}),
      };
      if (Object.keys(selector).length === 0) {
        throw new CliError('give a selector: --label, --team, --phase or --name', EXIT.usage);
      }
      const max = integer('--max', options.max);
      if (max === undefined) throw new CliError('--max is required', EXIT.usage);
      const answer = unwrap(
        await ctx.client(cmd).POST(path, {
          body: {
            selector,
            max,
            ...(options.dryRun ? { dry_run: true } : {}),
            ...(options.force ? { force: true } : {}),
          },
          ...(options.idempotencyKey !== undefined
            ? { headers: { 'idempotency-key': options.idempotencyKey } }
            : {}),
          ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
        }),
      );
      ctx.print(cmd, answer, () => render(answer));
      const failed = answer.results.filter((r) => r.outcome === 'failed').length;
      if (failed > 0) {
        throw new CliError(`${failed} of ${answer.matched} workers failed (see the table)`, EXIT.conflict);
      }
    });
  }
}

function render(answer: FleetAnswer): string {
  const verb = answer.dry_run ? 'would act on' : 'acted on';
  const rows = answer.results.map((r) => [r.name, r.outcome, r.code ?? '', r.message ?? '']);
  const summary = `${answer.action}: ${verb} ${answer.matched} worker${answer.matched === 1 ? '' : 's'}\n`;
  return rows.length ? `${table(['NAME', 'OUTCOME', 'CODE', 'MESSAGE'], rows)}${summary}` : summary;
}
