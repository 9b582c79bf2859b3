#!/usr/bin/env node
// The `orchestrator` binary: runs the TypeScript CLI (src/cli) through tsx's loader, so a checkout needs no build.
// Ctrl-C once ends a --watch (exit 0), a wait (exit 130, the worker goes on) or any other command (exit 130, see
// src/cli/interrupt.ts); twice exits at once.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
// Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous, so exiting at once cut a large
// `--json` answer at the pipe's 64 KiB with exit 0. Then exit, so no keep-alive socket or timer holds the process.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();

/** Resolves once everything written to `stream` so far is out, or the reader went away (EPIPE: `| head`). */
function flushed(stream) {
  return new Promise((resolve) => {
    stream.once('error', resolve);
    stream.write('', () => resolve());
  });
}
