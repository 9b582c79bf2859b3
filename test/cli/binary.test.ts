/**
 * The `orchestrator` binary itself (bin/orchestrator.mjs, a child process), as a script's pipe sees it: every byte
 * of a large answer reaches the reader, and the exit code is the CLI's.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app-harness';
import { listenOnLoopback } from '../support/loopback-server';

const BIN = join(__dirname, '../../bin/orchestrator.mjs');

/** 400 workers as the API renders them: JSON far beyond a pipe's 64 KiB buffer. */
async function bigFleet() {
  const h = await makeApp();
  const one = (await h.call('POST', '/workers', { body: { name: 'w', labels: { note: 'x'.repeat(200) } } }))
    .json;
  delete one.api_key;
  return Array.from({ length: 400 }, (_, i) => ({ ...one, name: `worker-${String(i).padStart(3, '0')}` }));
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Runs the binary with stdout on a pipe, and reads that pipe only after a pause, as a slow `jq` would. */
function runPiped(url: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ORCHESTRATOR_URL: url, ORCHESTRATOR_KEY: 'k' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.pause();
  setTimeout(() => child.stdout.resume(), 300);
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('the orchestrator binary', () => {
  it('writes all of a large --json answer to a pipe before it exits', async () => {
    const fleet = await bigFleet();
    const server = await listenOnLoopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ workers: fleet }));
    });
    close = server.close;

    const run = await runPiped(server.url, ['workers', 'list', '--json']);

    expect(run.stdout.length).toBeGreaterThan(128 * 1024);
    expect(JSON.parse(run.stdout).workers).toHaveLength(400);
    expect(run.code).toBe(0);
  }, 30_000);

  it('ends with exit 130 at the first Ctrl-C while a request hangs', async () => {
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => {
      asked = resolve;
    });
    // An orchestrator that takes the request and never answers.
    const server = await listenOnLoopback(() => asked());
    close = server.close;
    const child = spawn(process.execPath, [BIN, 'workers', 'get', 'alice'], {
      env: { PATH: process.env.PATH, ORCHESTRATOR_URL: server.url, ORCHESTRATOR_KEY: 'k' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await requested;
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 3000)),
    ]);
    if (code === 'still running') child.kill('SIGKILL');

    expect(code).toBe(130);
  }, 30_000);
});
