/**
 * Changing workers: `workers create`, `wake`, `sleep`, `ensure-ready`, `update`, `delete`, `rotate-key`.
 *
 * A worker key is returned once, by `create` and `rotate-key` (the orchestrator keeps only its hash): those two
 * print it, and nothing else in the CLI ever prints a key.
 *
 * @module
 */
import type { Command } from 'commander';
import { type CreateWorkerInput, type UpdateWorkerInput, unwrap, type Worker } from '../../client';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../exit';
import { collect, defined, envFile, integer, jsonBody, pairs } from '../flags';
import { workerDetails } from '../render/worker';
import { DEFAULT_WAIT_SECONDS, waitReady } from './waiting';

const ONCE = '(shown once: the orchestrator keeps only its hash)';

const keyLine = (key: string) => `api_key: ${key}\n  ${ONCE}\n`;

interface SpecOptions {
  image?: string;
  env?: string[];
  envFile?: string;
  label?: string[];
  idleTimeout?: string;
  ttl?: string;
  expiresAt?: string;
  cpu?: string;
  memory?: string;
  body?: string;
}

const resources = (options: SpecOptions) => {
  const fields = defined({
    cpu_millicores: integer('--cpu', options.cpu),
    memory_mb: integer('--memory', options.memory),
  });
  return Object.keys(fields).length ? fields : undefined;
};

const env = (options: SpecOptions) => {
  const merged = { ...envFile(options.envFile), ...pairs('--env', options.env) };
  return Object.keys(merged).length ? merged : undefined;
};

const withSpecOptions = (command: Command) =>
  command
    .option('--image <ref>', 'container image')
    .option(
      '--env <KEY=VALUE>',
      'an env variable (repeatable); visible in ps: prefer --env-file for secrets',
      collect,
    )
    .option('--env-file <path>', 'env variables from KEY=VALUE lines')
    .option('--label <key=value>', 'a label (repeatable)', collect)
    .option('--idle-timeout <seconds>', 'sleep after this long without activity (0 = never)')
    .option('--ttl <seconds>', 'delete this long after creation')
    .option('--cpu <millicores>', 'CPU, in thousandths of a core')
    .option('--memory <mb>', 'memory, in MB')
    .option('--body <json>', 'any other fields of the request body, as a JSON object (the flags win)');

export function registerWorkerActions(workers: Command, ctx: CommandContext): void {
  withSpecOptions(
    workers.command('create').argument('<name>').description('create a worker; --wait until it is ready'),
  )
    .option('--team <team>', 'the team whose quota it counts against')
    .option('--backend <name>', "the backend (default: the orchestrator's)")
    .option('--runtime <runtime>', 'openclaw or copaw')
    .option('--expires-at <iso>', 'delete at this time')
    .option('--deletion-protection', 'refuse delete without --force')
    .option('--wait', 'wait until the worker is ready, showing its progress')
    .option('--timeout <seconds>', 'how long --wait waits', String(DEFAULT_WAIT_SECONDS))
    .action(
      async (
        name: string,
        options: SpecOptions & Record<string, string | boolean | undefined>,
        command: Command,
      ) => {
        const client = ctx.client(command);
        const body = {
          ...jsonBody(options.body),
          ...defined({
            name,
            image: options.image,
            env: env(options),
            labels: pairs('--label', options.label),
            team: options.team,
            backend: options.backend,
            runtime: options.runtime,
            idle_timeout_seconds: integer('--idle-timeout', options.idleTimeout),
            ttl_seconds: integer('--ttl', options.ttl),
            expires_at: options.expiresAt,
            deletion_protection: options.deletionProtection ? true : undefined,
            resources: resources(options),
          }),
        } as CreateWorkerInput;
        const result = await client.POST('/workers', { body });
        const created = unwrap(result);
        const apiKey = created.api_key;
        let worker: Worker = created;
        if (!ctx.json(command)) {
          ctx.io.stdout.write(
            result.response.status === 201
              ? `created ${name}\n${apiKey ? keyLine(apiKey) : ''}`
              : `${name} already exists with this spec (no new key)\n`,
          );
        }
        if (options.wait)
          worker = await waitReady(
            ctx.io,
            client,
            name,
            integer('--timeout', String(options.timeout)) ?? DEFAULT_WAIT_SECONDS,
            created,
          );
        // The key is in the JSON too, once, beside the worker as it is now.
        ctx.print(command, { ...worker, ...(apiKey ? { api_key: apiKey } : {}) }, () =>
          options.wait ? workerDetails(worker, Date.now()) : '',
        );
      },
    );

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
          began
            ? `${verb === 'wake' ? 'waking' : 'putting to sleep'} ${name}\n`
            : `${name} is already ${state}\n`,
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
    .action(
      async (
        name: string,
        options: SpecOptions & { unsetEnv?: string[]; unsetLabel?: string[]; deletionProtection?: boolean },
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
