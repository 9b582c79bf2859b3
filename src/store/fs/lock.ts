import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';

/**
 * A cross-process mutex made of one lock file created with `O_EXCL` (`open(path, 'wx')`): creation either makes
 * the file or fails with EEXIST, atomically, for every process on the machine. Node only; local disks only (the
 * stale check compares the file's mtime with this machine's clock).
 */
export interface FileLockOptions {
  /**
   * A lock file older than this is presumed left by a crashed process and is broken. Holders keep a lock for one
   * read and one rename (milliseconds), so anything this old is not a live holder.
   */
  staleMs: number;
  /** How long to wait for a busy lock before giving up; must exceed `staleMs` for stale locks to be broken. */
  waitMs: number;
}

/** Releases the lock; `stillHeld` tells whether the lock file is still ours (a fence before committing). */
export type ReleaseLock = (() => Promise<void>) & { stillHeld(): Promise<boolean> };

interface LockContent {
  token: string;
  pid: number;
  at: string;
}

const ignoreMissing = (error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Acquires the lock at `path` (its directory must exist), or resolves `null` when `waitMs` ran out. */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<ReleaseLock | null> {
  const content: LockContent = { token: randomUUID(), pid: process.pid, at: new Date().toISOString() };
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    const handle = await open(path, 'wx').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return null;
      throw error;
    });
    if (handle) {
      try {
        await handle.writeFile(JSON.stringify(content));
        await handle.close();
      } catch (error) {
        // A lock we could not complete must not be left behind to stall every writer until it goes stale.
        await handle.close().catch(() => undefined);
        await unlink(path).catch(() => undefined);
        throw error;
      }
      return Object.assign(() => releaseFileLock(path, content.token), {
        stillHeld: async () => (await readFile(path, 'utf8').catch(() => '')).includes(content.token),
      });
    }
    await breakIfStale(path, options.staleMs);
    if (Date.now() >= deadline) return null;
    // Jittered polling, growing to 25 ms: waits are short because holders are, and jitter avoids lock-step retries.
    await sleep(1 + Math.random() * Math.min(25, 2 ** attempt));
  }
}

/**
 * Removes the lock only if it still carries our token, so a holder that outlived `staleMs` (and whose lock was
 * broken and re-taken) does not delete its successor's lock. Between the read and the unlink a successor could
 * still slip in; that needs a holder stalled past `staleMs` AND a new holder within microseconds, and is accepted.
 */
async function releaseFileLock(path: string, token: string): Promise<void> {
  const raw = await readFile(path, 'utf8').catch(() => '');
  if (raw.includes(token)) await unlink(path).catch(ignoreMissing);
}

/**
 * Breaks a lock whose file is older than `staleMs`. Two processes may both see the same stale lock; without care
 * the second would delete the fresh lock the first just took. So breaking is itself serialised by a `.break` file
 * (O_EXCL too, held for microseconds), and under it the lock is re-checked by inode and mtime: only the very file
 * that was judged stale is removed.
 */
async function breakIfStale(path: string, staleMs: number): Promise<void> {
  const seen = await stat(path).catch(() => null);
  if (!seen || Date.now() - seen.mtimeMs < staleMs) return;
  const breaker = `${path}.break`;
  try {
    await (await open(breaker, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone else is breaking it. If that someone died mid-break, its `.break` file goes stale in turn.
    const other = await stat(breaker).catch(() => null);
    if (other && Date.now() - other.mtimeMs >= staleMs) await unlink(breaker).catch(ignoreMissing);
    return;
  }
  try {
    const again = await stat(path).catch(() => null);
    const sameFile = again?.ino === seen.ino && again?.mtimeMs === seen.mtimeMs;
    if (sameFile) await unlink(path).catch(ignoreMissing);
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}
