/**
 * What the reference worker (`infra/worker/entrypoint.sh`) logs when the orchestrator does not accept a report.
 * A first boot often sees a 409: the container runs and reports before the orchestrator has recorded that it
 * started it. The log line must say that, not only "409 Conflict". The orchestrator here is a protocol-level
 * fake: a small HTTP server answering exactly what the real one answers (status, `{"message","code"}` body).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../infra/worker/entrypoint.sh', import.meta.url).pathname;
const hasTools = existsSync('/bin/busybox') && existsSync('/bin/dash');
const APPLETS = ['nc', 'timeout', 'sed', 'date', 'sleep', 'mv', 'rm', 'cat', 'mktemp', 'mkfifo', 'kill'];

/** The orchestrator's answer to a report of a worker whose record still says `pending` (src/lifecycle/requests). */
const PENDING = {
  message:
    'worker boot is pending: the orchestrator started it but has not recorded that yet; report again in a moment',
  code: 'invalid_phase',
};

describe.skipIf(!hasTools)(
  'the reference worker entrypoint, told 409 on its first report (protocol-level fake orchestrator)',
  () => {
    let dir: string;
    let server: Server;
    let reports = 0;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'entrypoint-messages-'));
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          reports += 1;
          if (reports === 1) {
            res.writeHead(409, { 'content-type': 'application/json' });
            res.end(JSON.stringify(PENDING));
          } else {
            res.writeHead(204).end();
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function firstLines(withCurl: boolean): Promise<string[]> {
      const bin = join(dir, withCurl ? 'curl-bin' : 'busybox-bin');
      await mkdir(bin, { recursive: true });
      for (const applet of APPLETS) await symlink('/bin/busybox', join(bin, applet));
      if (withCurl) await symlink('/usr/bin/curl', join(bin, 'curl'));
      reports = 0;
      const port = (server.address() as AddressInfo).port;
      // dash, not busybox sh: busybox runs its own applets and would find curl only on the PATH lookup dash does.
      const child = spawn('/bin/dash', [SCRIPT], {
        env: {
          PATH: bin,
          HICLAW_ORCHESTRATOR_URL: `http://127.0.0.1:${port}`,
          HICLAW_WORKER_NAME: 'boot',
          HICLAW_WORKER_API_KEY: `wok_boot_${'d'.repeat(64)}`,
          HEARTBEAT_INTERVAL_SECONDS: '30',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !output.includes('reported ready')) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.kill('SIGTERM');
      return output.split('\n');
    }

    it.each([
      ['busybox only (nc)', false],
      ['curl in the image', true],
    ])(
      'says what the 409 means, quoting the orchestrator, then reports ready: %s',
      async (_what, withCurl) => {
        if (withCurl && !existsSync('/usr/bin/curl')) return;
        const lines = await firstLines(withCurl);
        expect(lines).toContain(
          `[worker boot] ready report not accepted: the orchestrator answered 409 invalid_phase (${PENDING.message}): not accepted yet, the orchestrator is still starting, stopping or rolling this worker (normal in the first seconds of a boot); retrying in 0.2s`,
        );
        expect(lines).toContain('[worker boot] reported ready');
      },
      20_000,
    );
  },
);
