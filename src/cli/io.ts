/**
 * What the CLI touches of the outside world, handed in rather than reached for, so the same code runs as the
 * `orchestrator` binary and inside a test against an in-process app.
 *
 * @module
 */

export interface Output {
  write(text: string): unknown;
  /** A terminal: tables are redrawn in place and the progress line is rewritten rather than appended. */
  isTTY?: boolean;
}

export interface CliIo {
  env: Record<string, string | undefined>;
  /** Where `.data/` (the emulator's URL and manager key) is looked for. */
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** Aborted on Ctrl-C: `--watch` ends (exit 0), a wait stops. */
  signal?: AbortSignal;
  /** The fetch the client uses (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}
