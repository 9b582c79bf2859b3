/**
 * What `npm start` gets ready before the emulator starts, so a clean machine needs no other command: the reference
 * worker image is built when the engine answers (`infra/worker/build-image.sh`, a no-op when up to date), and the
 * engine itself is started only when the user allowed it (`npm start -- --start-engine` or
 * `START_DOCKER_ENGINE=1`), since that installs packages and runs a daemon as root. Anything that cannot be done
 * is said in one line naming the command to run; the emulator starts anyway (the banner says what is missing).
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_DOCKER_SOCKET } from '../../src/backends/docker/node';
import { ConfigError } from '../../src/errors';
import { probeEngine } from './engine-probe';
import { DEFAULT_VARS } from './options';

export const START_ENGINE_SCRIPT = fileURLToPath(new URL('../docker/start-engine.sh', import.meta.url));
export const BUILD_IMAGE_SCRIPT = fileURLToPath(new URL('../worker/build-image.sh', import.meta.url));

/** Runs a script to the end and resolves with what it printed; rejects with its output when it fails. */
export type ScriptRunner = (command: string, args: string[]) => Promise<string>;

export interface FirstRunOptions {
  /** The backends the emulator will serve (`BACKENDS`): nothing is prepared without `docker`. */
  backends: string[];
  /** The image a create uses when it names none (`DEFAULT_IMAGE`). */
  defaultImage: string;
  socketPath: string;
  /** The user allowed starting (and installing) a Docker engine. */
  startEngine: boolean;
  /** Whether this process runs as root (else the engine is started through `sudo -n`, never a password prompt). */
  isRoot: boolean;
  log: (line: string) => void;
  run?: ScriptRunner;
  /** The socket `start-engine.sh` brings an engine up at (default `/var/run/docker.sock`). */
  startableSocket?: string;
}

const runScript: ScriptRunner = async (command, args) =>
  (await promisify(execFile)(command, args, { timeout: 600_000, maxBuffer: 4 * 1024 * 1024 })).stdout;

/** The last line a failed script printed (its own `die` message), for a one-line explanation. */
const lastLine = (error: unknown): string => {
  const output = error as { stderr?: string; stdout?: string; message?: string };
  const text = `${output.stderr ?? ''}`.trim() || `${output.stdout ?? ''}`.trim() || String(output.message);
  return text.split('\n').at(-1) ?? text;
};

/** `--start-engine` or `START_DOCKER_ENGINE=1`; anything else on the command line is refused, naming it. */
export function startEngineAllowed(argv: string[], env: NodeJS.ProcessEnv): boolean {
  for (const arg of argv) {
    if (arg !== '--start-engine') {
      throw new ConfigError(
        `unknown argument ${JSON.stringify(arg)}: npm start takes only --start-engine (settings are environment variables, see the README)`,
      );
    }
  }
  const fromEnv = env.START_DOCKER_ENGINE?.trim();
  if (fromEnv && fromEnv !== '0' && fromEnv !== '1') {
    throw new ConfigError(`START_DOCKER_ENGINE must be 0 or 1, got ${JSON.stringify(fromEnv)}`);
  }
  return argv.includes('--start-engine') || fromEnv === '1';
}

export async function prepareFirstRun(options: FirstRunOptions): Promise<void> {
  if (!options.backends.includes('docker')) return;
  const run = options.run ?? runScript;
  let engine = await probeEngine(options.socketPath);
  if (!engine.reachable && options.startEngine) {
    const startable = options.startableSocket ?? DEFAULT_DOCKER_SOCKET;
    if (options.socketPath !== startable) {
      options.log(
        `not starting a Docker engine: DOCKER_HOST names ${options.socketPath}, and infra/docker/start-engine.sh starts one only at ${startable}`,
      );
    } else {
      options.log('starting a Docker engine (infra/docker/start-engine.sh; installs docker.io if missing)');
      const [command, args] = options.isRoot
        ? ['bash', [START_ENGINE_SCRIPT]]
        : ['sudo', ['-n', 'bash', START_ENGINE_SCRIPT]];
      try {
        const printed = (await run(command, args)).trim();
        if (printed) options.log(printed.split('\n').at(-1) ?? printed);
      } catch (error) {
        options.log(
          `could not start the engine (${lastLine(error)}): run \`sudo bash infra/docker/start-engine.sh\` once, then npm start`,
        );
      }
      engine = await probeEngine(options.socketPath);
    }
  }
  // Without an engine there is nothing to build; the banner says how to start one.
  if (!engine.reachable) return;
  if (options.defaultImage !== DEFAULT_VARS.DEFAULT_IMAGE) return;
  try {
    // One line: `build-image: built …` on a first run, `… is up to date` after.
    const printed = (await run('bash', [BUILD_IMAGE_SCRIPT])).trim();
    if (printed) options.log(printed.split('\n').at(-1) ?? printed);
  } catch (error) {
    options.log(
      `could not build the reference worker image ${options.defaultImage} (${lastLine(error)}); a create that names no image answers 400 image_not_found until \`bash infra/worker/build-image.sh\` succeeds`,
    );
  }
}
