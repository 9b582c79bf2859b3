/**
 * What every command needs: the typed client for the resolved target, and one way to print (JSON for scripts,
 * text for people). Built once per run; the client is made on first use, so `--help` never reads a key file.
 *
 * @module
 */
import type { Command } from 'commander';
import { createOrchestratorClient, type OrchestratorClient } from '../client';
import type { CliIo } from './io';
import { printableText } from './render/terminal-safe';
import { resolveTarget, type Target } from './target';

export interface GlobalOptions {
  url?: string;
  keyFile?: string;
  json?: boolean;
}

export interface CommandContext {
  io: CliIo;
  client(command: Command): OrchestratorClient;
  target(command: Command): Target;
  /** The target once a command resolved it (for error messages). */
  resolved(): Target | undefined;
  /** Whether `--json` was given (anywhere on the line). */
  json(command: Command): boolean;
  /** Prints `data` as JSON with `--json`, else the text `human()` renders, its control characters escaped. */
  print(command: Command, data: unknown, human: () => string): void;
}

export function commandContext(io: CliIo): CommandContext {
  let resolved: { target: Target; client: OrchestratorClient } | undefined;
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const ensure = (command: Command) => {
    if (!resolved) {
      const { url, keyFile } = globals(command);
      const target = resolveTarget(io, { url, keyFile });
      const client = createOrchestratorClient({
        url: target.url,
        key: target.key,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      resolved = { target, client };
    }
    return resolved;
  };
  return {
    io,
    client: (command) => ensure(command).client,
    target: (command) => ensure(command).target,
    resolved: () => resolved?.target,
    json: (command) => globals(command).json === true,
    print(command, data, human) {
      io.stdout.write(globals(command).json ? `${JSON.stringify(data, null, 2)}\n` : printableText(human()));
    },
  };
}
