/**
 * The reference worker (`infra/worker/entrypoint.sh`) must not put its key on a command line: every process's
 * arguments are visible to anyone on the host (`ps`), containers' processes included. The script runs here on the
 * host with shims in front of the tools it may call, which record their arguments and then run the real tool; a
 * small server plays the orchestrator and checks that the key still arrives, as a Bearer token.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../infra/worker/entrypoint.sh', import.meta.url).pathname;
const KEY = `wok_argv_${'c'.repeat(64)}`;
const hasTools = await import('node:fs').then(
  (fs) => fs.existsSync('/bin/busybox') && fs.existsSync('/bin/dash'),
);

describe.skipIf(!hasTools)('the reference worker entrypoint', () => {
  let dir: string;
  let server: Server;
  const seen: { path: string; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'entrypoint-argv-'));
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      req.resume();
      // Slow, as a first report is (the orchestrator asks the backend first): the client must wait for it.
      req.on('end', () =>
        setTimeout(() => {
          if (req.url?.endsWith('/credentials/sts')) {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"expiration":"2099-01-01T00:00:00Z"}');
          } else {
            res.writeHead(204).end();
          }
        }, 300),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the script for a moment with shims for wget, nc and curl (when `withCurl`), and returns the argv log. */
  async function runOnce(withCurl: boolean): Promise<string> {
    const shims = join(dir, withCurl ? 'with-curl' : 'busybox-only');
    const log = join(dir, `${withCurl ? 'curl' : 'busybox'}.argv`);
    await import('node:fs/promises').then((fs) => fs.mkdir(shims, { recursive: true }));
    const tools: [string, string][] = [
      ['wget', '/bin/busybox wget'],
      ['nc', '/bin/busybox nc'],
      ['timeout', '/bin/busybox timeout'],
      ['sed', '/bin/busybox sed'],
      ['date', '/bin/busybox date'],
      ['sleep', '/bin/busybox sleep'],
      ['mv', '/bin/busybox mv'],
      ['rm', '/bin/busybox rm'],
      ['cat', '/bin/busybox cat'],
      ['mktemp', '/bin/busybox mktemp'],
      ['mkfifo', '/bin/busybox mkfifo'],
      ...(withCurl ? ([['curl', '/usr/bin/curl']] as [string, string][]) : []),
    ];
    for (const [name, real] of tools) {
      const shim = join(shims, name);
      await writeFile(shim, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>'${log}'\nexec ${real} "$@"\n`);
      await chmod(shim, 0o755);
    }
    await writeFile(log, '');
    const port = (server.address() as AddressInfo).port;
    // dash, not busybox sh: busybox runs its own applets without a PATH lookup, so the shims would be bypassed.
    const child = spawn('/bin/dash', [SCRIPT], {
      env: {
        PATH: shims,
        HICLAW_ORCHESTRATOR_URL: `http://127.0.0.1:${port}`,
        HICLAW_WORKER_NAME: 'argv',
        HICLAW_WORKER_API_KEY: KEY,
        HEARTBEAT_INTERVAL_SECONDS: '1',
        WORKER_CREDENTIALS_FILE: join(dir, `${withCurl ? 'curl' : 'busybox'}.creds`),
      },
      stdio: 'ignore',
    });
    const before = seen.length;
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && seen.slice(before).filter((s) => s.path.endsWith('/ready')).length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGTERM');
    return readFile(log, 'utf8');
  }

  it.each([
    ['busybox only (nc)', false],
    ['curl in the image', true],
  ])(
    'reports and fetches credentials with the key kept out of every command line: %s',
    async (_what, withCurl) => {
      // Bug: `wget --header "Authorization: Bearer <key>"` showed the key to anyone running `ps` on the host.
      if (withCurl && !(await import('node:fs').then((fs) => fs.existsSync('/usr/bin/curl')))) return;
      const before = seen.length;
      const argv = await runOnce(withCurl);
      const calls = seen.slice(before);
      expect(calls.filter((c) => c.path === '/workers/argv/ready').length).toBeGreaterThanOrEqual(2);
      expect(calls.some((c) => c.path === '/credentials/sts')).toBe(true);
      for (const call of calls) expect(call.authorization).toBe(`Bearer ${KEY}`);
      expect(argv.length).toBeGreaterThan(0);
      expect(argv).not.toContain(KEY);
      expect(argv).not.toContain('c'.repeat(64));
    },
  );
});
