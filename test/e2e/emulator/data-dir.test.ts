/**
 * The emulator's data directory holds env values, the deployment's HMAC key and the manager key. A directory that
 * already existed kept its mode (often 0755), and workerd wrote R2 blobs 0644, so any local user could read them.
 * Now the directory is made private at every start and nothing in it, old or new, is readable by group or others.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../support/emulator';

/** Every file and directory under `dir` with its permission bits. */
async function modesUnder(dir: string): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push([path, (await stat(path)).mode & 0o777]);
  }
  return out;
}

describe('the emulator data directory', () => {
  let emu: TestEmulator | undefined;
  let dataDir: string;

  afterAll(async () => {
    await emu?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is made 0700 at start, and no file in it (old or written since) is readable by group or others', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'orchestrator-modes-'));
    await chmod(dataDir, 0o755);
    await mkdir(join(dataDir, 'r2'), { mode: 0o755 });
    await writeFile(join(dataDir, 'r2', 'left-over-blob'), 'env values', { mode: 0o644 });
    await chmod(join(dataDir, 'r2', 'left-over-blob'), 0o644);

    emu = await startTestEmulator({ dataDir, vars: { BACKENDS: 'fake' } });
    const created = await emu.call('POST', '/workers', {
      body: { name: 'modes', env: { SECRET_VALUE: 'do-not-read-me-123' } },
    });
    expect(created.status).toBe(201);

    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const modes = await modesUnder(dataDir);
    expect(modes.length).toBeGreaterThan(3);
    const readable = modes
      .filter(([, mode]) => (mode & 0o077) !== 0)
      .map(([path, mode]) => `${path} ${mode.toString(8)}`);
    expect(readable).toEqual([]);
  });
});
