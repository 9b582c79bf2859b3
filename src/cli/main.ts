/**
 * Runs one `orchestrator …` command line and answers its exit code (see `exit.ts`). Errors become one line on
 * stderr: the API's own message and code (which never carry a key or an env value), or what the CLI found wrong.
 *
 * @example
 * const code = await runCli(['workers', 'list', '--json'], { env: process.env, cwd: process.cwd(), stdout, stderr });
 *
 * @module
 */
import { CommanderError } from 'commander';
import { OrchestratorApiError } from '../client';
import { type CommandContext, commandContext } from './context';
import { CliError, EXIT, exitCodeOf } from './exit';
import { unhandledInterrupt } from './interrupt';
import type { CliIo } from './io';
import { buildProgram } from './program';
import { printable } from './render/terminal-safe';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const ctx = commandContext(io);
  const program = buildProgram(io, ctx);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    // Ctrl-C that no wait or watch handles ends the command at once (see interrupt.ts); its request is left behind.
    const interrupted = unhandledInterrupt(io.signal).then(() => 'interrupted' as const);
    const outcome = await Promise.race([program.parseAsync(argv, { from: 'user' }), interrupted]);
    if (outcome === 'interrupted') {
      io.stderr.write('interrupted\n');
      return EXIT.interrupted;
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers, not failures; anything else commander refused is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    const code = exitCodeOf(error);
    // An interrupted wait has said so on its progress line already.
    // The API's message may quote what a key holder wrote (a name, a label): shown escaped, on one line.
    if (code !== EXIT.interrupted) io.stderr.write(`error: ${printable(describe(error, ctx))}\n`);
    return code;
  }
}

function describe(error: unknown, ctx: CommandContext): string {
  const target = ctx.resolved();
  if (error instanceof OrchestratorApiError) {
    const field = error.field ? ` [${error.field}]` : '';
    const retry = error.retryAfterSeconds !== undefined ? ` (retry after ${error.retryAfterSeconds}s)` : '';
    let hint = '';
    if (error.status === 401) {
      hint = target?.key
        ? `; the key from ${target.keySource} was refused`
        : '; no key found: set ORCHESTRATOR_KEY (and ORCHESTRATOR_URL), or run next to a running `npm start`, whose .data/url and .data/manager-key are used together';
    }
    return `${error.message}${field} (${error.status} ${error.code})${retry}${hint}`;
  }
  if (error instanceof CliError) return error.message;
  // fetch fails with a TypeError whose cause says why (ECONNREFUSED, ENOTFOUND, "bad port").
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const why = cause?.code ?? cause?.message ?? 'no answer';
    return `cannot reach the orchestrator at ${target?.url ?? 'its URL'} (${why}); is it running (npm start)?`;
  }
  return error instanceof Error ? error.message : String(error);
}
