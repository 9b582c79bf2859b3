/**
 * `npm start`: the local emulator. Settings come from the environment (see `options.ts`); first it builds the
 * reference worker image when an engine answers, and starts an engine when allowed (`first-run.ts`); the banner
 * says where it listens, the manager key, and a curl to paste. Stops cleanly on SIGINT/SIGTERM.
 *
 * Arguments (after `npm start --`): `--start-engine` (or `START_DOCKER_ENGINE=1`): start a Docker engine, as root
 * or through `sudo -n`, when none answers.
 */
import { OrchestratorError } from '../../src/errors';
import { banner } from './banner';
import { startEmulator } from './emulator';
import { prepareFirstRun, startEngineAllowed } from './first-run';
import { emulatorOptionsFromEnv } from './options';

/** A stop that hangs (a stuck engine call in a sweep) must not keep the terminal: give up after this long. */
const STOP_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const options = emulatorOptionsFromEnv(process.env);
  await prepareFirstRun({
    backends: (options.vars.BACKENDS ?? '').split(',').map((name) => name.trim()),
    defaultImage: options.vars.DEFAULT_IMAGE ?? '',
    socketPath: options.socketPath,
    startEngine: startEngineAllowed(process.argv.slice(2), process.env),
    isRoot: process.getuid?.() === 0,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const emulator = await startEmulator(options);
  process.stdout.write(banner(emulator));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the emulator (worker containers and state are kept)\n`);
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    emulator.stop().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`could not stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  // miniflare's own exit hook answers a signal with an immediate exit; take the signals over so the sweep in
  // flight finishes and miniflare is disposed first (its hook still runs on exit, as a backstop).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, stop);
  }
}

main().catch((error: unknown) => {
  // Configuration errors name the setting and carry no secret; anything else is shown as it is.
  const message = error instanceof OrchestratorError ? error.message : String(error);
  process.stderr.write(`the emulator could not start: ${message}\n`);
  process.exit(1);
});
