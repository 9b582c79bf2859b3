/**
 * `health` (store, backends, auth mode, clock skew) and `sweep` (run the sweeper once, now).
 *
 * `sweep` calls the emulator's `POST /sweep`. A cloud deployment has no such route on purpose: its sweeper is a
 * function of its own, with its own permissions and time budget (see src/api/routes/sweep.ts); there the CLI says
 * how to invoke it instead.
 *
 * @module
 */
import type { Command } from 'commander';
import { type Health, OrchestratorApiError, type SweepReport, unwrap } from '../../client';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../exit';
import { details, duration, table } from '../render/table';

const healthText = (h: Health): string =>
  details([
    ['ok', h.ok ? 'yes' : 'NO'],
    ['store', `${h.store.kind}: ${h.store.message}`],
    ['auth', h.auth],
    ['clock skew', h.clock_skew_ms === null ? 'unknown (needs a manager key)' : `${h.clock_skew_ms} ms`],
    ['deployment', h.deployment_id ?? 'none yet'],
  ]) +
  (h.backends.length
    ? `\n${table(
        ['BACKEND', 'OK', 'MESSAGE'],
        h.backends.map((b) => [b.name, b.ok ? 'yes' : 'NO', b.message]),
      )}`
    : '');

const sweepText = (r: SweepReport): string => {
  const took = duration(Date.parse(r.finished_at) - Date.parse(r.started_at));
  const acted = `slept ${r.slept}, deleted ${r.deleted}, redriven ${r.redriven}, restarted ${r.restarted}, failed ${r.failed}, lost ${r.lost}`;
  const problems = r.problems.map((p) => `  ${p}\n`).join('');
  return `swept in ${took}: ${r.hints_processed} due hints (${r.hints_left} left); ${acted}; ${r.errors} errors\n${problems}`;
};

export function registerMetaCommands(program: Command, ctx: CommandContext): void {
  program
    .command('health')
    .description('is the orchestrator up: store, backends (details with a manager key), auth, clock skew')
    .action(async (_options: unknown, command: Command) => {
      const result = await ctx.client(command).GET('/healthz');
      // A 503 is still a health report (the store is unreachable): show it, then exit 1.
      const health = (result.data ?? result.error) as Health | undefined;
      if (!health || typeof health.ok !== 'boolean') unwrap(result);
      ctx.print(command, health, () => healthText(health!));
      if (!health!.ok) throw new CliError('the orchestrator is not healthy', EXIT.other);
    });

  program
    .command('sweep')
    .description('run the sweeper once, now, and show what it did (the local emulator only)')
    .action(async (_options: unknown, command: Command) => {
      try {
        const report = unwrap(await ctx.client(command).POST('/sweep'));
        ctx.print(command, report, () => sweepText(report));
      } catch (error) {
        if (error instanceof OrchestratorApiError && error.status === 404) {
          throw new CliError(
            'this orchestrator has no /sweep route: only the local emulator (npm start) runs the sweeper on request; on a cloud, invoke the sweeper function itself (aws lambda invoke, or Function Compute invoke)',
            EXIT.notFound,
          );
        }
        throw error;
      }
    });
}
