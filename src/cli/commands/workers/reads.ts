/**
 * Reading workers: `workers list`, `get`, `events`, `logs`. List and get can `--watch`.
 *
 * @module
 */
import type { Command } from 'commander';
import { type ListWorkersQuery, type OrchestratorClient, unwrap, type Worker } from '../../../client';
import type { CommandContext } from '../../context';
import { collect, defined, integer, seconds } from '../../flags';
import { eventsTable, workerDetails, workersTable } from '../../render/worker';
import { watch } from '../../watch';

/** The API's largest page; `--limit` caps the total across pages. */
const PAGE = 1000;

async function listAll(client: OrchestratorClient, query: ListWorkersQuery, max: number): Promise<Worker[]> {
  const workers: Worker[] = [];
  let cursor: string | undefined;
  // Pages may be short; only a missing next_cursor ends the listing.
  do {
    const page = unwrap(
      await client.GET('/workers', {
        params: {
          query: { ...query, limit: Math.min(PAGE, max - workers.length), ...(cursor ? { cursor } : {}) },
        },
      }),
    );
    workers.push(...page.workers);
    cursor = page.next_cursor;
  } while (cursor && workers.length < max);
  return workers;
}

interface ListOptions {
  team?: string;
  phase?: string;
  status?: string;
  label?: string[];
  sort?: string;
  limit?: string;
  watch?: boolean;
  interval?: string;
}

export function registerReads(workers: Command, ctx: CommandContext): void {
  workers
    .command('list')
    .alias('ls')
    .description('list workers (every page), with phase, reason and next action')
    .option('--team <team>', 'only this team')
    .option('--phase <phase>', 'only this phase (pending, starting, ready, sleeping, failed, ...)')
    .option('--status <status>', 'only this HiClaw status (starting, running, ready, stopped, ...)')
    .option('--label <key=value>', 'only workers with this label (repeatable)', collect)
    .option('--sort <order>', 'name (default), last_activity_at or -last_activity_at')
    .option('--limit <n>', 'at most this many workers', '10000')
    .option('-w, --watch', 'read again every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'how often --watch reads', '2')
    .action(async (options: ListOptions, command: Command) => {
      const client = ctx.client(command);
      const query = defined({
        team: options.team,
        phase: options.phase,
        status: options.status,
        label: options.label,
        sort: options.sort,
      }) as ListWorkersQuery;
      const max = integer('--limit', options.limit) ?? 10_000;
      const read = async () => {
        const list = await listAll(client, query, max);
        return { data: { workers: list }, human: workersTable(list, Date.now()) };
      };
      if (options.watch)
        return watch(ctx.io, seconds('--interval', options.interval, 2), ctx.json(command), read);
      const { data, human } = await read();
      ctx.print(command, data, () => human);
    });

  workers
    .command('get')
    .argument('<name>')
    .description('one worker: phase and why, what happens next, its last change')
    .option('--refresh', 'ask the backend for the actual state first (at most once per 10 s)')
    .option('-w, --watch', 'read again every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'how often --watch reads', '2')
    .action(
      async (
        name: string,
        options: { refresh?: boolean; watch?: boolean; interval?: string },
        command: Command,
      ) => {
        const client = ctx.client(command);
        const read = async () => {
          const worker = unwrap(
            await client.GET('/workers/{name}', {
              params: { path: { name }, query: options.refresh ? { refresh: 'true' } : {} },
            }),
          );
          return { data: worker, human: workerDetails(worker, Date.now()) };
        };
        if (options.watch)
          return watch(ctx.io, seconds('--interval', options.interval, 2), ctx.json(command), read);
        const { data, human } = await read();
        ctx.print(command, data, () => human);
      },
    );

  workers
    .command('events')
    .argument('<name>')
    .description('transition history, newest first')
    .option('--limit <n>', 'how many', '20')
    .action(async (name: string, options: { limit?: string }, command: Command) => {
      const page = unwrap(
        await ctx.client(command).GET('/workers/{name}/events', {
          params: { path: { name }, query: { limit: integer('--limit', options.limit) ?? 20 } },
        }),
      );
      ctx.print(command, page, () => eventsTable(page.events, Date.now()));
    });

  workers
    .command('logs')
    .argument('<name>')
    .description("the backend's logs of the worker (Docker keeps them; other backends answer 501)")
    .option('--tail <n>', 'the last n lines', '100')
    .action(async (name: string, options: { tail?: string }, command: Command) => {
      const result = unwrap(
        await ctx.client(command).GET('/workers/{name}/logs', {
          params: { path: { name }, query: { tail: integer('--tail', options.tail) ?? 100 } },
        }),
      );
      ctx.print(command, result, () =>
        result.logs.endsWith('\n') || !result.logs ? result.logs : `${result.logs}\n`,
      );
    });
}
