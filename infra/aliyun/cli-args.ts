/**
 * The command line of `npm run deploy:aliyun`: a command (`deploy`, the default, or `remove`) and `--dry-run`.
 * Anything else is refused before anything is built or sent: a typo such as `--dryrun` must never fall through to
 * a real deploy.
 *
 * @module
 */
export const COMMANDS = ['deploy', 'remove'] as const;
export type Command = (typeof COMMANDS)[number];

export interface DeployArgs {
  command: Command;
  dryRun: boolean;
}

export const USAGE =
  'Usage: npm run deploy:aliyun -- [deploy|remove] [--dry-run]\n' +
  '  deploy     create or update the functions, triggers and custom domain (the default)\n' +
  '  remove     delete them (the state bucket, RAM roles and Logstore are kept)\n' +
  '  --dry-run  print what would be done; needs no credentials and sends nothing';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseDeployArgs(argv: string[]): DeployArgs {
  let dryRun = false;
  const positionals: string[] = [];
  for (const arg of argv) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('-')) throw new UsageError(`Unknown option ${JSON.stringify(arg)}`);
    else positionals.push(arg);
  }
  const [command = 'deploy', ...rest] = positionals;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`Unknown command ${JSON.stringify(command)}: expected ${COMMANDS.join(' or ')}`);
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[0])}`);
  return { command: command as Command, dryRun };
}
