/**
 * Which orchestrator the CLI talks to, and with which key: flags, then ORCHESTRATOR_*, then HiClaw's names, then a
 * local emulator's records under .data/, so `npm start` then `npx orchestrator workers list` works with no setup.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io';
import { DEFAULT_EMULATOR_URL, resolveTarget } from '../../src/cli/target';

const EMULATOR_KEY = 'e'.repeat(64);

/** A process id that no process has any more: an emulator that crashed. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

/**
 * A checkout where an emulator ran: `.data/manager-key`, and `.data/url` with the URL and the process that wrote
 * it (this one, alive, unless told otherwise).
 */
async function checkout(url?: string, pid = process.pid): Promise<string> {
  const cwd = await mkdtemp(join(tmpdir(), 'cli-target-'));
  const data = join(cwd, '.data');
  await mkdir(data);
  await writeFile(join(data, 'manager-key'), `${EMULATOR_KEY}\n`);
  if (url) await writeFile(join(data, 'url'), `${url}\n${pid}\n`);
  return cwd;
}

const io = (cwd: string, env: Record<string, string> = {}): CliIo => ({
  env,
  cwd,
  stdout: { write: () => undefined },
  stderr: { write: () => undefined },
});

describe('the CLI target', () => {
  it('uses ORCHESTRATOR_URL and ORCHESTRATOR_KEY before HiClaw names and the emulator', async () => {
    const cwd = await checkout('http://127.0.0.1:9999');
    const target = resolveTarget(
      io(cwd, {
        ORCHESTRATOR_URL: 'https://orch.example',
        ORCHESTRATOR_KEY: 'own-key',
        HICLAW_CONTROLLER_URL: 'https://hiclaw.example',
        HICLAW_AUTH_TOKEN: 'hiclaw-key',
      }),
      {},
    );

    expect(target).toMatchObject({
      url: 'https://orch.example',
      key: 'own-key',
      keySource: 'ORCHESTRATOR_KEY',
    });
  });

  it("falls back to HiClaw's HICLAW_CONTROLLER_URL and HICLAW_AUTH_TOKEN_FILE", async () => {
    const cwd = await checkout();
    const tokenFile = join(cwd, 'token');
    await writeFile(tokenFile, 'file-key\n');

    const target = resolveTarget(
      io(cwd, { HICLAW_CONTROLLER_URL: 'https://hiclaw.example', HICLAW_AUTH_TOKEN_FILE: tokenFile }),
      {},
    );

    expect(target).toMatchObject({ url: 'https://hiclaw.example', key: 'file-key' });
  });

  it('next to an emulator, uses the URL it recorded and its manager key', async () => {
    const cwd = await checkout('http://127.0.0.1:41234');

    expect(resolveTarget(io(cwd), {})).toMatchObject({ url: 'http://127.0.0.1:41234', key: EMULATOR_KEY });
  });

  it('without a recorded URL, uses the emulator default http://127.0.0.1:8787 but sends it no key', async () => {
    const cwd = await checkout();

    const target = resolveTarget(io(cwd), {});

    expect(target.url).toBe(DEFAULT_EMULATOR_URL);
    expect(target.key).toBeUndefined();
  });

  it('sends no key to a URL whose emulator is gone (its process ended without removing the record)', async () => {
    const cwd = await checkout('http://127.0.0.1:41234', deadPid());

    expect(resolveTarget(io(cwd), {}).key).toBeUndefined();
  });

  it("sends the emulator's key to no loopback URL but the one it recorded", async () => {
    const cwd = await checkout('http://127.0.0.1:41234');

    const target = resolveTarget(io(cwd, { ORCHESTRATOR_URL: 'http://127.0.0.1:8787' }), {});

    expect(target.key).toBeUndefined();
    expect(resolveTarget(io(cwd, { ORCHESTRATOR_URL: 'http://127.0.0.1:41234/' }), {}).key).toBe(
      EMULATOR_KEY,
    );
  });

  it("never sends the emulator's manager key to a URL that is not loopback", async () => {
    const cwd = await checkout();

    const target = resolveTarget(io(cwd, { ORCHESTRATOR_URL: 'https://elsewhere.example' }), {});

    expect(target.key).toBeUndefined();
  });

  it('lets --url and --key-file win over the environment', async () => {
    const cwd = await checkout();
    const keyFile = join(cwd, 'key');
    await writeFile(keyFile, 'flag-key');

    const target = resolveTarget(
      io(cwd, { ORCHESTRATOR_URL: 'https://env.example', ORCHESTRATOR_KEY: 'env' }),
      {
        url: 'http://127.0.0.1:1234',
        keyFile,
      },
    );

    expect(target).toMatchObject({ url: 'http://127.0.0.1:1234', key: 'flag-key' });
  });
});
