/**
 * `<dataDir>/url`: where a running emulator listens, so tools started next to it (`npx orchestrator …`) find it
 * when `PORT` or `HOST` moved it off the default. Two lines: the URL, then the emulator's process id. Written at
 * start and removed at a clean stop; a crash leaves it, and the process id is how a tool tells: the CLI sends the
 * emulator's manager key only while that process is alive, never to whatever took the port since.
 *
 * The CLI reads the same name (`src/cli/target.ts`); the CLI's end-to-end test runs it against an emulator on a
 * free port with nothing but this file to find it by.
 *
 * @module
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const URL_FILE = 'url';

export async function recordUrl(dataDir: string, url: string): Promise<void> {
  // Not a secret, but the data directory is owner-only anyway (data-dir.ts), and so is what is written in it.
  await writeFile(join(dataDir, URL_FILE), `${url}\n${process.pid}\n`, { mode: 0o600 });
}

/** Removes the record if it is still ours (another emulator may have started on the same directory since). */
export async function forgetUrl(dataDir: string, url: string): Promise<void> {
  const file = join(dataDir, URL_FILE);
  const recorded = await readFile(file, 'utf8').catch(() => undefined);
  if (recorded?.split('\n')[0]?.trim() === url) await rm(file, { force: true });
}
