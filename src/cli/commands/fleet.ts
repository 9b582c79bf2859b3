/**
 * `fleet wake|sleep|delete|ensure-ready`: one action on every worker a selector matches, with a result per worker.
 * `--max` is required, so a selector that matches more than the caller expects is refused before anything moves.
 *
 * Calls the API with fetch directly (same target, key and fetch as the typed client): the typed client gains these
 * routes when it is next generated from `/openapi.json`.
 *
 * @module
 */
import type { Command } from 'commander';
import { OrchestratorApiError } from '../../client';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../exit';
import { collect, integer, pairs } from '../flags';
import { table } from '../render/table';

const ACTIONS = [
  ['wake', 'wake the selected workers'],
  ['sleep', 'put the selected workers to sleep'],
  ['delete', 'delete the selected workers'],
  ['ensure-ready', 'wake the selected workers and say which are ready now (no waiting)'],
] as const;

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

interface FleetAnswer {
  action: string;
  dry_run: boolean;
  matched: number;
  results: { name: string; outcome: string; code?: string; message?: string }[];
}

export function registerFleetCommands(program: Command, ctx: CommandContext): void {
  const fleet = program
    .command('fleet')
    .description(
      'act on every worker a selector matches (labels, team, phase, names), at most --max of them',
    );
  for (const [action, what] of ACTIONS) {
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
      const selector = {
        ...(options.label ? { labels: pairs('--label', options.label) } : {}),
        ...(options.team ? { team: options.team } : {}),
        ...(options.phase ? { phase: options.phase } : {}),
        ...(options.name ? { names: options.name } : {}),
      };
      if (Object.keys(selector).length === 0) {
        throw new CliError('give a selector: --label, --team, --phase or --name', EXIT.usage);
      }
      const body = {
        selector,
        max: integer('--max', options.max),
        ...(options.dryRun ? { dry_run: true } : {}),
        ...(options.force ? { force: true } : {}),
      };
      const answer = await post(ctx, cmd, `/workers/actions/${action}`, body, options.idempotencyKey);
      ctx.print(cmd, answer, () => render(answer));
      const failed = answer.results.filter((r) => r.outcome === 'failed').length;
      if (failed > 0) {
        throw new CliError(`${failed} of ${answer.matched} workers failed (see the table)`, EXIT.conflict);
      }
    });
  }
}

async function post(
  ctx: CommandContext,
  cmd: Command,
  path: string,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<FleetAnswer> {
  const { url, key } = ctx.target(cmd);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  const request = new Request(`${url.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
  const response = await (ctx.io.fetch ?? fetch)(request);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok)
    throw new OrchestratorApiError(response.status, parsed, response.headers.get('retry-after'));
  return parsed as FleetAnswer;
}

function render(answer: FleetAnswer): string {
  const verb = answer.dry_run ? 'would act on' : 'acted on';
  const rows = answer.results.map((r) => [r.name, r.outcome, r.code ?? '', r.message ?? '']);
  const summary = `${answer.action}: ${verb} ${answer.matched} worker${answer.matched === 1 ? '' : 's'}\n`;
  return rows.length ? `${table(['NAME', 'OUTCOME', 'CODE', 'MESSAGE'], rows)}${summary}` : summary;
}
