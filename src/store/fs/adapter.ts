import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  OrchestratorError,
  PreconditionFailedError,
  StoreUnavailableError,
  ValidationError,
} from '../../errors';
import {
  clampListLimit,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutOptions,
} from '../port';
import { acquireFileLock } from './lock';

/**
 * The local default store: one file per key under a directory (e.g. `.data/state`), safe for several processes.
 *
 * - Every mutation of a key runs under that key's lock file (`locks/<sha256(key)>.lock`, O_EXCL, see `lock.ts`),
 *   so the precondition check and the write are one atomic step across processes.
 * - Writes go to `tmp/` and are renamed into place: readers (which take no lock) see the old or the new file,
 *   never a torn one. `tmp/` sits under the same root, so the rename never crosses filesystems.
 * - The etag is a hash of the content. Rewriting identical bytes keeps the etag, which is harmless here because
 *   every compare-and-swap record carries a fresh `write_id`.
 *
 * Layout under `objects/`: each key segment is escaped (`[a-z0-9._-]` kept, every other byte `%xx`), directories
 * are the escaped segments and an object is the escaped last segment plus `@`. `@` is always escaped inside a
 * segment, so `a` (file `a@`) and `a/b` (directory `a/`) cannot collide, and escaping upper case keeps keys that
 * differ only in case apart on case-insensitive filesystems.
 *
 * @example
 * const store = new FsStore('.data/state');
 * await store.put('meta/deployment.json', body, { ifNoneMatch: '*' });
 */
export interface FsStoreOptions {
  /** Age after which a lock file is presumed left by a crashed process and broken. */
  staleLockMs?: number;
  /** How long a write waits for a busy key before failing with `StoreUnavailableError`. */
  lockWaitMs?: number;
}

/** Holders keep a lock for milliseconds; 10 s without release means the holder died. */
const DEFAULT_STALE_LOCK_MS = 10_000;
const DEFAULT_LOCK_WAIT_MS = 15_000;
const OBJECT_SUFFIX = '@';
/** A concurrent delete may remove an empty directory between our mkdir and rename; a few retries settle it. */
const RENAME_ATTEMPTS = 5;
const PREFIX = '[orchestrator] [state:fs]';

export class FsStore implements ObjectStore {
  readonly kind = 'fs';
  /** The delete happens under the key's lock, after the etag check. */
  readonly atomicConditionalDelete = true;
  private readonly objects: string;
  private readonly locks: string;
  private readonly tmp: string;
  private readonly staleLockMs: number;
  private readonly lockWaitMs: number;
  private ready: Promise<unknown> | undefined;

  constructor(root: string, options: FsStoreOptions = {}) {
    this.objects = join(root, 'objects');
    this.locks = join(root, 'locks');
    this.tmp = join(root, 'tmp');
    this.staleLockMs = options.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  }

  async get(key: string) {
    const path = this.objectPath(key);
    return guard('get', () => readObject(path));
  }

  async put(key: string, body: string, options: PutOptions = {}) {
    const path = this.objectPath(key);
    return this.locked(key, 'put', async (stillHeld) => {
      if (options.ifNoneMatch === '*' || options.ifMatch !== undefined) {
        const current = await readObject(path);
        if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
          throw new PreconditionFailedError(key);
        }
      }
      await this.writeAtomically(path, body, stillHeld);
      return { etag: etagOf(body) };
    });
  }

  async delete(key: string, options: DeleteOptions = {}) {
    const path = this.objectPath(key);
    await this.locked(key, 'delete', async (stillHeld) => {
      if (options.ifMatch !== undefined && (await readObject(path))?.etag !== options.ifMatch) {
        throw new PreconditionFailedError(key);
      }
      // Fenced like a put: a deleter stalled past the stale timeout may have had its lock broken and a newer
      // object written under the new holder's lock; its late unlink must not remove that object.
      if (!(await stillHeld())) {
        throw new StoreUnavailableError(`${PREFIX} the key lock was broken while held; retry`);
      }
      await unlink(path).catch(ignoreMissing);
      // Prune emptied directories (hint trees like `due/<epoch>/` would otherwise pile up); a non-empty one stops it.
      for (let dir = dirname(path); dir.length > this.objects.length; dir = dirname(dir)) {
        if (!(await removeIfEmpty(dir))) break;
      }
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const segments = prefix.split('/');
    const partial = segments.pop()!;
    // The prefix's whole segments name the one directory to walk; its last, partial segment only filters.
    if (segments.length > 0) validateSegments(segments, 'prefix');
    const limit = clampListLimit(options.limit);
    return guard('list', async () => {
      const found: string[] = [];
      await walk(join(this.objects, ...segments.map(escapeSegment)), segments.join('/'), found, partial);
      const keys = found
        .filter((key) => key.startsWith(prefix))
        .filter((key) => options.startAfter === undefined || compareBytes(key, options.startAfter) > 0)
        .sort(compareBytes);
      const page = keys.slice(0, limit);
      const stamped = await Promise.all(
        page.map(async (key) => {
          // A key deleted since the walk is dropped: a page may be short, and the cursor still moves past it.
          const info = await stat(this.objectPath(key)).catch(() => null);
          return info ? [{ key, lastModified: Math.floor(info.mtimeMs) }] : [];
        }),
      );
      return { keys: stamped.flat(), ...(keys.length > limit ? { cursor: page[page.length - 1]! } : {}) };
    });
  }

  /** Where the lock of `key` lives: for operators clearing a stuck lock, and for the crashed-writer test. */
  lockFileFor(key: string): string {
    validateSegments(key.split('/'), 'key', key);
    return join(this.locks, `${createHash('sha256').update(key).digest('hex')}.lock`);
  }

  private objectPath(key: string): string {
    const segments = key.split('/');
    validateSegments(segments, 'key', key);
    const last = `${escapeSegment(segments.pop()!)}${OBJECT_SUFFIX}`;
    return join(this.objects, ...segments.map(escapeSegment), last);
  }

  private async locked<T>(
    key: string,
    op: string,
    fn: (stillHeld: () => Promise<boolean>) => Promise<T>,
  ): Promise<T> {
    const lockFile = this.lockFileFor(key);
    return guard(op, async () => {
      this.ready ??= Promise.all(
        [this.locks, this.tmp, this.objects].map((dir) => mkdir(dir, { recursive: true })),
      );
      await this.ready.catch((error) => {
        this.ready = undefined;
        throw error;
      });
      const release = await acquireFileLock(lockFile, { staleMs: this.staleLockMs, waitMs: this.lockWaitMs });
      if (!release) {
        throw new StoreUnavailableError(`${PREFIX} ${op} waited ${this.lockWaitMs} ms for a busy key lock`);
      }
      try {
        return await fn(release.stillHeld);
      } finally {
        await release();
      }
    });
  }

  private async writeAtomically(
    path: string,
    body: string,
    stillHeld: () => Promise<boolean>,
  ): Promise<void> {
    const temp = join(this.tmp, randomUUID());
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(body, 'utf8');
      // Flushed before the rename, so a crash never leaves the new name pointing at empty content.
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      // Fencing: a holder stalled past the stale timeout (a suspended laptop, a stepped clock) may have had its
      // lock broken and re-taken; its write must not land on top of the new holder's.
      if (!(await stillHeld())) {
        throw new StoreUnavailableError(`${PREFIX} the key lock was broken while held; retry`);
      }
      for (let attempt = 1; ; attempt++) {
        await mkdir(dirname(path), { recursive: true });
        try {
          await rename(temp, path);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= RENAME_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
}

const etagOf = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 32);

async function readObject(path: string) {
  const body = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  return body === null ? null : { body, etag: etagOf(body) };
}

/**
 * Collects every key stored under `dir` (whose key prefix is `keyPrefix`) into `found`; `partial` skips entries of
 * `dir` itself whose segment cannot match the listed prefix, so a narrow prefix does not walk its siblings.
 */
async function walk(dir: string, keyPrefix: string, found: string[], partial = ''): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  const keyOf = (segment: string) => (keyPrefix === '' ? segment : `${keyPrefix}/${segment}`);
  await Promise.all(
    entries.map(async (entry) => {
      const isObject = entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX);
      // Anything we did not write (editor backups, .DS_Store) does not unescape cleanly and is ignored.
      const segment = unescapeSegment(isObject ? entry.name.slice(0, -OBJECT_SUFFIX.length) : entry.name);
      if (segment === null || !segment.startsWith(partial)) return;
      if (isObject) found.push(keyOf(segment));
      else if (entry.isDirectory()) await walk(join(dir, entry.name), keyOf(segment), found);
    }),
  );
}

const KEPT = /^[a-z0-9._-]$/;

function escapeSegment(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (KEPT.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function unescapeSegment(name: string): string | null {
  if (!/^(?:[a-z0-9._-]|%[0-9a-f]{2})+$/.test(name)) return null;
  try {
    const segment = decodeURIComponent(name);
    // Only the one spelling we write counts; `%61` for `a` would otherwise list a key twice.
    return escapeSegment(segment) === name ? segment : null;
  } catch {
    return null;
  }
}

function validateSegments(segments: string[], field: string, key?: string): void {
  if (key === '') throw new ValidationError(`${PREFIX} a ${field} must not be empty`, field);
  if (key?.startsWith('/')) {
    throw new ValidationError(`${PREFIX} a ${field} must be relative, not absolute`, field);
  }
  for (const segment of segments) {
    if (segment === '') {
      throw new ValidationError(`${PREFIX} a ${field} must not contain empty segments`, field);
    }
    if (segment === '.' || segment === '..') {
      throw new ValidationError(`${PREFIX} a ${field} must not contain '.' or '..' segments`, field);
    }
  }
}

/** Store keys are ordered by their UTF-8 bytes (as S3 and R2 list them), not by UTF-16 code units. */
const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** `rmdir` refuses a non-empty directory, which is exactly the check we want; false means "stop pruning". */
const removeIfEmpty = (dir: string) =>
  rmdir(dir).then(
    () => true,
    () => false,
  );

const ignoreMissing = (error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
};

/** Domain errors pass through; any other filesystem failure becomes a retryable, prefixed store error. */
async function guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new StoreUnavailableError(`${PREFIX} ${op} failed (${code})`, { cause: error });
  }
}
