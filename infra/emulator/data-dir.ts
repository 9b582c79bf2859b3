/**
 * The emulator's data directory holds the R2 state (env values, the deployment's HMAC key), the manager key and the
 * bundle: nobody but its owner may read it. A directory that already exists keeps the mode it was made with, and
 * miniflare's workerd writes R2 blobs with the process umask (0644 by default), so at every start the directory is
 * set to 0700, everything already in it loses its group and other bits, and the runtime is started under umask 077
 * so what it writes later is the owner's only.
 *
 * @module
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors';

/** Owner only: rwx for directories, the file's own owner bits for files. */
const PRIVATE_DIR = 0o700;
const NOT_FOR_OTHERS = 0o077;
export const PRIVATE_UMASK = 0o077;

export async function preparePrivateDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  const info = await lstat(dataDir);
  if (!info.isDirectory()) throw new ConfigError(`EMULATOR_DATA_DIR=${dataDir} is not a directory`);
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw new ConfigError(
      `EMULATOR_DATA_DIR=${dataDir} belongs to another user; give the emulator a directory of its own (it holds env values and keys)`,
    );
  }
  await chmod(dataDir, PRIVATE_DIR);
  await tighten(dataDir);
}

/** Removes group and other permissions from everything under `dir` (symbolic links are left alone). */
async function tighten(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const { mode } = await lstat(path);
    if (entry.isDirectory()) {
      if ((mode & 0o777) !== PRIVATE_DIR) await chmod(path, PRIVATE_DIR);
      await tighten(path);
    } else if ((mode & NOT_FOR_OTHERS) !== 0) {
      await chmod(path, mode & 0o700);
    }
  }
}

/** Runs `start` under umask 077, so a child process it spawns (workerd) creates files for its owner only. */
export async function withPrivateUmask<T>(start: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  try {
    previous = process.umask(PRIVATE_UMASK);
  } catch {
    // Worker threads cannot change the umask; the start-time tightening above still applies.
  }
  try {
    return await start();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
