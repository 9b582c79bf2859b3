/**
 * Exit codes that say what happened, so a script can branch without parsing text. Documented in `docs-cli.md`;
 * `orchestrator --help` lists them too.
 *
 * @module
 */
import { OrchestratorApiError } from '../client';

export const EXIT = {
  ok: 0,
  /** Anything else: a 5xx, an unreachable orchestrator, a backend without logs (501). */
  other: 1,
  /** Bad arguments, or the API refused the input (400, 413, 415). */
  usage: 2,
  /** The worker, team or route does not exist (404). */
  notFound: 3,
  /** The state does not allow it (409): another spec, being deleted, failed while waiting, a sweep running. */
  conflict: 4,
  /** No key, an unknown key, or a key that may not do this (401, 403). */
  auth: 5,
  /** `--wait` or `ensure-ready` gave up before the worker was ready. */
  notReady: 6,
  /** Interrupted (Ctrl-C): a wait stopped, or a command ended before its answer came. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  ok                    3  not found (404)    6    not ready in time (--wait, ensure-ready)
  1  other (5xx, network)  4  conflict (409)     130  interrupted (Ctrl-C)
  2  usage or bad input    5  auth (401, 403)`;

/** A failure the CLI itself detects (bad arguments, a timeout), with the code to exit with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof OrchestratorApiError)) return EXIT.other;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 409) return EXIT.conflict;
  if (error.status === 401 || error.status === 403) return EXIT.auth;
  if (error.status === 400 || error.status === 413 || error.status === 415) return EXIT.usage;
  return EXIT.other;
}
