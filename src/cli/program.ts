/**
 * The `orchestrator` command line: global options and the command groups. Commander parses; each group's file
 * says what its commands do.
 *
 * @module
 */
import { Command } from 'commander';
import { registerFleetCommands } from './commands/fleet';
import { registerMetaCommands } from './commands/meta';
import { registerScheduleCommands } from './commands/schedules';
import { registerTeamCommands } from './commands/teams';
import { registerWorkerCommands } from './commands/workers';
import type { CommandContext } from './context';
import { EXIT_CODES_HELP } from './exit';
import type { CliIo } from './io';

const ENVIRONMENT_HELP = `Environment (the first found wins):
  ORCHESTRATOR_URL, ORCHESTRATOR_KEY        the orchestrator and the key to use
  HICLAW_CONTROLLER_URL, HICLAW_AUTH_TOKEN  HiClaw's names for them (or HICLAW_AUTH_TOKEN_FILE)
  .data/url, .data/manager-key              a running local emulator's (npm start); else http://127.0.0.1:8787, no key
  EMULATOR_DATA_DIR                         where that .data is (default .data, in this directory)`;

export function buildProgram(io: CliIo, ctx: CommandContext): Command {
  const program = new Command('orchestrator')
    .description('Drive the worker lifecycle orchestrator: workers, teams, the sweeper, health.')
    .option('--url <url>', 'the orchestrator (default: see Environment)')
    .option(
      '--key-file <path>',
      'read the key from this file (keys are never taken as arguments: ps shows those)',
    )
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    // Every subcommand's help lists --json, --url and --key-file too (they work anywhere on the line).
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  registerWorkerCommands(program, ctx);
  registerFleetCommands(program, ctx);
  registerTeamCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerMetaCommands(program, ctx);

  // Every subcommand reports through the same streams and returns to `runCli` instead of exiting the process.
  const configure = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
      });
      configure(sub);
    }
  };
  configure(program);
  return program;
}
