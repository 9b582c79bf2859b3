#!/usr/bin/env node
// The `orchestrator` binary: runs the TypeScript CLI (src/cli) through tsx's loader, so a checkout needs no build.
// Ctrl-C once ends a --watch (exit 0) or a wait (exit 130, the worker goes on); twice exits at once.
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
// Leave no keep-alive socket or timer holding the process once the answer is out.
process.exit();
