/**
 * `workers create`: the flags become the request body (`--body` for any other field); `--wait` waits for ready
 * with the progress line. The new worker's key is printed once: in text as soon as the create answers, in the
 * JSON (`--json`) whatever the wait's outcome.
 *
 * @module
 */
import type { Command } from 'commander';
import { type CreateWorkerInput, unwrap, type Worker } from '../../../client';
import type { CommandContext } from '../../context';
import { defined, integer, jsonBody, pairs } from '../../flags';
import { workerDetails } from '../../render/worker';
import { env, keyLine, resources, type SpecOptions, schedule, withSpecOptions } from './spec-options';
import { DEFAULT_WAIT_SECONDS, waitReady } from './waiting';

interface CreateOptions extends SpecOptions {
  team?: string;
  backend?: string;
  runtime?: string;
  deletionProtection?: boolean;
  wait?: boolean;
  timeout?: string;
}

export function registerCreate(workers: Command, ctx: CommandContext): void {
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
    .action(async (name: string, options: CreateOptions, command: Command) => {
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
          schedule: schedule(options),
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
      // The key is in the JSON too, once, beside the worker as it is now. With --json it reaches stdout whatever
      // the wait's outcome (ready, timed out, failed, interrupted): the server keeps only its hash, so a wait that
      // ended badly must not take the key with it. Stdout stays one JSON document; the exit code says how it went.
      const printJson = () =>
        ctx.print(command, { ...worker, ...(apiKey ? { api_key: apiKey } : {}) }, () => '');
      if (!options.wait) return printJson();
      try {
        worker = await waitReady(
          ctx.io,
          client,
          name,
          integer('--timeout', options.timeout) ?? DEFAULT_WAIT_SECONDS,
          created,
          (seen) => {
            worker = seen;
          },
        );
      } catch (error) {
        if (ctx.json(command)) printJson();
        throw error;
      }
      if (ctx.json(command)) printJson();
      else ctx.io.stdout.write(workerDetails(worker, Date.now()));
    });
}
