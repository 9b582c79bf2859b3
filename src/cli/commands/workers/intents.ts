/**
 * `workers wake`, `sleep` and `ensure-ready`: ask for a state, and (`--wait`) wait until the worker is ready.
 *
 * @module
 */
import type { Command } from 'commander';
import { unwrap } from '../../../client';
import type { CommandContext } from '../../context';
import { CliError, EXIT } from '../../exit';
import { integer } from '../../flags';
import { DEFAULT_WAIT_SECONDS, waitReady } from './waiting';

export function registerIntents(workers: Command, ctx: CommandContext): void {
  for (const [verb, what] of [
    ['wake', 'wake a sleeping worker; --wait until it is ready'],
    ['sleep', 'put a worker to sleep (its resource is stopped and kept)'],
  ] as const) {
    const command = workers.command(verb).argument('<name>').description(what);
    if (verb === 'wake') {
      command
        .option('--wait', 'wait until the worker is ready, showing its progress')
        .option('--timeout <seconds>', 'how long --wait waits', String(DEFAULT_WAIT_SECONDS));
    }
    command.action(async (name: string, options: { wait?: boolean; timeout?: string }, cmd: Command) => {
      const client = ctx.client(cmd);
      const result = await client.POST(verb === 'wake' ? '/workers/{name}/wake' : '/workers/{name}/sleep', {
        params: { path: { name } },
      });
      let worker = unwrap(result);
      const began = result.response.status === 202;
      if (!ctx.json(cmd)) {
        const state = verb === 'wake' ? 'awake' : 'asleep';
        ctx.io.stdout.write(
          began ? `${verb === 'wake' ? 'waking' : 'putting to sleep'} ${name}\n` : `${name} is ${state}\n`,
        );
      }
      if (options.wait)
        worker = await waitReady(
          ctx.io,
          client,
          name,
          integer('--timeout', options.timeout) ?? DEFAULT_WAIT_SECONDS,
          worker,
        );
      if (ctx.json(cmd)) ctx.print(cmd, worker, () => '');
    });
  }

  workers
    .command('ensure-ready')
    .argument('<name>')
    .description(
      'wake if needed and wait for ready: one bounded wait (exit 6 if not ready), or --wait until ready',
    )
    .option('--wait', 'keep waiting until ready, showing its progress')
    .option('--timeout <seconds>', 'how long to wait (one call: at most 20)', undefined)
    .action(async (name: string, options: { wait?: boolean; timeout?: string }, command: Command) => {
      const client = ctx.client(command);
      if (options.wait) {
        const worker = await waitReady(
          ctx.io,
          client,
          name,
          integer('--timeout', options.timeout) ?? DEFAULT_WAIT_SECONDS,
        );
        return ctx.print(command, worker, () => '');
      }
      const result = await client.POST('/workers/{name}/ensure-ready', {
        params: { path: { name }, query: { timeout_seconds: integer('--timeout', options.timeout) ?? 20 } },
      });
      const worker = unwrap(result);
      if (result.response.status === 200) return ctx.print(command, worker, () => `${name} is ready\n`);
      if (ctx.json(command)) ctx.print(command, worker, () => '');
      throw new CliError(`${name} is not ready yet: ${worker.phase} (${worker.reason})`, EXIT.notReady);
    });
}
