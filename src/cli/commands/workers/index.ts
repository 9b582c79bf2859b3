/**
 * `orchestrator workers …`: reading (list, get, events, logs), creating, asking for a state (wake, sleep,
 * ensure-ready) and editing (update, delete, rotate-key). A worker key is printed only by `create` and
 * `rotate-key`, the two answers that return one, once.
 *
 * @module
 */
import type { Command } from 'commander';
import type { CommandContext } from '../../context';
import { registerCreate } from './create';
import { registerEdits } from './edits';
import { registerIntents } from './intents';
import { registerReads } from './reads';

export function registerWorkerCommands(program: Command, ctx: CommandContext): void {
  const workers = program
    .command('workers')
    .description('workers: list, read, create, wake, sleep, update, delete');
  registerReads(workers, ctx);
  registerCreate(workers, ctx);
  registerIntents(workers, ctx);
  registerEdits(workers, ctx);
}
