/**
 * The emulator's manager key: made on first start (256 random bits as 64 hex characters, like HiClaw's keys),
 * kept in `<dataDir>/manager-key` readable by its owner only, and reused on every later start so scripts keep
 * working across restarts.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors';

const MIN_KEY_LENGTH = 32;

export interface ManagerKey {
  key: string;
  file: string;
  created: boolean;
}

export async function loadOrCreateManagerKey(dataDir: string): Promise<ManagerKey> {
  const file = join(dataDir, 'manager-key');
  const key = randomBytes(32).toString('hex');
  try {
    // `wx`: create-only, so two emulators starting on one data dir cannot each write a different key.
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${key}\n`);
    await handle.close();
    return { key, file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = (await readFile(file, 'utf8')).trim();
  if (stored.length < MIN_KEY_LENGTH || /\s/.test(stored)) {
    throw new ConfigError(
      `${file} does not hold a usable manager key (at least ${MIN_KEY_LENGTH} characters, no spaces); delete it to make a new one`,
    );
  }
  // A key file others can read is a key others have: tighten it rather than refuse to start.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return { key: stored, file, created: false };
}
