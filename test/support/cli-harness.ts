/**
 * Runs the CLI in-process (`runCli`) against an in-process app: same commands, same exit codes, output captured.
 * The app has the emulator's `/sweep` route unless `sweep: false` (a cloud's app, which has none).
 */
import { createApp } from '../../src/api/app';
import { registerSweepRoute } from '../../src/api/routes/sweep';
import { runCli } from '../../src/cli/main';
import { DEFAULT_SWEEPER_SETTINGS } from '../../src/lifecycle';
import { MANAGER_KEY, makeApp } from './app-harness';

export const CLI_URL = 'http://orchestrator.test';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The key in ORCHESTRATOR_KEY; null for none. Default: the manager key. */
  key?: string | null;
  signal?: AbortSignal;
  /** Sees each stderr write as it happens (the progress line). */
  onStderr?: (text: string) => void;
  /** Sees each stdout write as it happens (--watch snapshots). */
  onStdout?: (text: string) => void;
  /** Stands between the CLI and the app (a hung or slow orchestrator). */
  fetch?: (request: Request, app: (request: Request) => Promise<Response>) => Promise<Response>;
}

export async function makeCliHarness(options: { sweep?: boolean } = {}) {
  const h = await makeApp();
  const app =
    options.sweep === false
      ? h.app
      : createApp({
          service: h.service,
          extend: (routes, service) => registerSweepRoute(routes, service, DEFAULT_SWEEPER_SETTINGS),
        });
  const run = async (argv: string[], runOptions: RunOptions = {}): Promise<CliRun> => {
    const key = runOptions.key === undefined ? MANAGER_KEY : runOptions.key;
    const out = { stdout: '', stderr: '' };
    const code = await runCli(argv, {
      env: { ORCHESTRATOR_URL: CLI_URL, ...(key ? { ORCHESTRATOR_KEY: key } : {}) },
      // No .data here: nothing but the environment above decides the target.
      cwd: '/nonexistent-cli-test-dir',
      stdout: {
        write: (text: string) => {
          out.stdout += text;
          runOptions.onStdout?.(text);
        },
      },
      stderr: {
        write: (text: string) => {
          out.stderr += text;
          runOptions.onStderr?.(text);
        },
      },
      ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      fetch: async (request) =>
        runOptions.fetch ? runOptions.fetch(request, async (r) => app.fetch(r)) : app.fetch(request),
    });
    return { code, ...out };
  };
  return { ...h, app, run };
}
