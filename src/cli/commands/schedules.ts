/**
 * Label schedules (manager key only): `schedules list`, `get`, `put` (create or replace) and `delete`. A worker's
 * own schedule is set with `workers create|update --schedule-wake …`.
 *
 * @module
 */
import type { Command } from 'commander';
import { type LabelSchedule, type LabelScheduleInput, unwrap } from '../../client';
import type { CommandContext } from '../context';
import { collect, defined, pairs } from '../flags';
import { table } from '../render/table';

const line = (s: LabelSchedule) => [
  s.id,
  Object.entries(s.labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(','),
  s.wake ?? '-',
  s.sleep ?? '-',
  s.time_zone,
  s.next_action ? `${s.next_action.kind} ${s.next_action.at}` : '-',
];
const HEADER = ['ID', 'LABELS', 'WAKE', 'SLEEP', 'ZONE', 'NEXT'];

export function registerScheduleCommands(program: Command, ctx: CommandContext): void {
  const schedules = program
    .command('schedules')
    .description('wake and sleep times for every worker carrying some labels (manager key)');

  schedules
    .command('list')
    .alias('ls')
    .description('every label schedule and its next time')
    .action(async (_options: unknown, command: Command) => {
      const list = unwrap(await ctx.client(command).GET('/schedules'));
      ctx.print(command, list, () =>
        list.schedules.length === 0 ? 'no label schedules\n' : table(HEADER, list.schedules.map(line)),
      );
    });

  schedules
    .command('get')
    .argument('<id>')
    .description('one label schedule and its next time')
    .action(async (id: string, _options: unknown, command: Command) => {
      const found = unwrap(await ctx.client(command).GET('/schedules/{id}', { params: { path: { id } } }));
      ctx.print(command, found, () => table(HEADER, [line(found)]));
    });

  schedules
    .command('put')
    .argument('<id>')
    .description('create or replace a label schedule (a changed one counts from now)')
    .requiredOption('--label <key=value>', 'workers carrying all these labels (repeatable)', collect)
    .option('--wake <cron>', "wake at these times, e.g. '0 9 * * 1-5' (five cron fields)")
    .option('--sleep <cron>', "sleep at these times, e.g. '0 19 * * 1-5'")
    .option('--zone <iana>', 'the time zone, e.g. Europe/Berlin (default UTC)')
    .action(
      async (
        id: string,
        options: { label: string[]; wake?: string; sleep?: string; zone?: string },
        command: Command,
      ) => {
        const body = {
          labels: pairs('--label', options.label) ?? {},
          ...defined({ wake: options.wake, sleep: options.sleep, time_zone: options.zone }),
        } as LabelScheduleInput;
        const result = await ctx.client(command).PUT('/schedules/{id}', { params: { path: { id } }, body });
        const stored = unwrap(result);
        ctx.print(
          command,
          stored,
          () =>
            `${result.response.status === 201 ? 'created' : 'replaced'} ${id}\n${table(HEADER, [line(stored)])}`,
        );
      },
    );

  schedules
    .command('delete')
    .alias('rm')
    .argument('<id>')
    .description('delete a label schedule (also when it is already gone)')
    .action(async (id: string, _options: unknown, command: Command) => {
      unwrap(await ctx.client(command).DELETE('/schedules/{id}', { params: { path: { id } } }));
      ctx.print(command, { id, deleted: true }, () => `deleted ${id}\n`);
    });
}
