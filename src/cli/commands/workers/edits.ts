/**
 * `workers update`, `delete` and `rotate-key`. `rotate-key` prints the new key once, as the API returns it once.
 *
 * @module
 */
import type { Command } from 'commander';
import { type UpdateWorkerInput, unwrap } from '../../../client';
import type { CommandContext } from '../../context';
import { collect, defined, integer, jsonBody, pairs } from '../../flags';
import { env, keyLine, resources, type SpecOptions, schedule, withSpecOptions } from './spec-options';

export function registerEdits(workers: Command, ctx: CommandContext): void {
  withSpecOptions(
    workers
      .command('update')
      .argument('<name>')
      .description('change a worker (image, env, resources roll it; labels and policies do not)'),
  )
    .option('--unset-env <KEY>', 'remove an env variable (repeatable)', collect)
    .option('--unset-label <key>', 'remove a label (repeatable)', collect)
    .option('--expires-at <iso|none>', 'delete at this time; none removes the deadline')
    .option('--deletion-protection', 'refuse delete without --force')
    .option('--no-deletion-protection', 'allow delete')
    .option('--unset-schedule', 'remove the schedule')
    .action(
      async (
        name: string,
        options: SpecOptions & {
          unsetEnv?: string[];
          unsetLabel?: string[];
          deletionProtection?: boolean;
          unsetSchedule?: boolean;
        },
        command: Command,
      ) => {
        const nulls = (keys: string[] | undefined) =>
          Object.fromEntries((keys ?? []).map((key) => [key, null]));
        const envPatch = { ...env(options), ...nulls(options.unsetEnv) };
        const labelPatch = { ...pairs('--label', options.label), ...nulls(options.unsetLabel) };
        const body = {
          ...jsonBody(options.body),
          ...defined({
            image: options.image,
            env: Object.keys(envPatch).length ? envPatch : undefined,
            labels: Object.keys(labelPatch).length ? labelPatch : undefined,
            idle_timeout_seconds: integer('--idle-timeout', options.idleTimeout),
            ttl_seconds: integer('--ttl', options.ttl),
            expires_at: options.expiresAt === 'none' ? null : options.expiresAt,
            deletion_protection: options.deletionProtection,
            resources: resources(options),
            schedule: options.unsetSchedule ? null : schedule(options),
          }),
        } as UpdateWorkerInput;
        const result = await ctx
          .client(command)
          .PATCH('/workers/{name}', { params: { path: { name } }, body });
        const worker = unwrap(result);
        ctx.print(command, worker, () =>
          result.response.status === 202
            ? `updated ${name}; it is rolling to generation ${worker.generation}\n`
            : `updated ${name}\n`,
        );
      },
    );

  workers
    .command('delete')
    .alias('rm')
    .argument('<name>')
    .description('delete a worker (also when it is already gone)')
    .option('--force', 'delete even with deletion protection')
    .action(async (name: string, options: { force?: boolean }, command: Command) => {
      unwrap(
        await ctx.client(command).DELETE('/workers/{name}', {
          params: { path: { name }, query: options.force ? { force: 'true' } : {} },
        }),
      );
      ctx.print(
        command,
        { name, deleted: true },
        () => `deleted ${name} (its resource is removed in the background)\n`,
      );
    });

  workers
    .command('rotate-key')
    .argument('<name>')
    .description('give the worker a new key: the old one stops at once; the new one is printed once')
    .action(async (name: string, _options: unknown, command: Command) => {
      const result = await ctx.client(command).POST('/workers/{name}/keys', { params: { path: { name } } });
      const worker = unwrap(result);
      ctx.print(command, worker, () =>
        worker.api_key
          ? `rotated the key of ${name}; it is rolling\n${keyLine(worker.api_key)}`
          : `revoked the old key of ${name}; it gets a new one when it next starts (none is shown)\n`,
      );
    });
}
