import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError, ValidationError } from '../../../src/errors';
import { readJson } from '../../../src/store/cas';
import { FsStore } from '../../../src/store/fs';
import { acquireFileLock } from '../../../src/store/fs/lock';
import { runStoreConformance } from '../../conformance/store.case';

/**
 * A pass-through `readFile` with one optional hook, so a test can stall a store operation right after it read an
 * object (between its precondition check and its commit) and let another writer act in that gap.
 */
const fsHook = vi.hoisted(() => ({ afterRead: undefined as ((path: string) => Promise<void>) | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (...args: Parameters<typeof original.readFile>) => {
    const result = await original.readFile(...args);
    const hook = fsHook.afterRead;
    if (hook && String(args[0]).endsWith('@')) {
      fsHook.afterRead = undefined;
      await hook(String(args[0]));
    }
    return result;
  }) as typeof original.readFile;
  return { ...original, readFile, default: { ...original, readFile } };
});

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const child = join(repoRoot, 'test/support/fs-increment-child.ts');
const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the child script in its own Node process; resolves with its exit code, signal and stdout. */
const runChild = (args: string[]) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (chunk) => (stdout += chunk));
      proc.stderr.on('data', (chunk) => (stderr += chunk));
      proc.on('error', reject);
      proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );

runStoreConformance('FsStore on a temporary directory', () => new FsStore(freshDir()));

describe('FsStore across processes', () => {
  it('4 processes doing 25 compare-and-swap increments each on one key end at exactly 100', async () => {
    const root = freshDir();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runChild(['increment', root, 'workers/shared.json', '25'])),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ done: 25 });
    }
    expect((await readJson<{ n: number }>(new FsStore(root), 'workers/shared.json'))?.value.n).toBe(100);
  });

  it('a lock left by a killed writer blocks writes until it is older than the stale timeout, then is broken', async () => {
    const root = freshDir();
    const crashed = await runChild(['crash-holding-lock', root, 'workers/a.json']);
    expect(crashed.signal).toBe('SIGKILL');
    const store = new FsStore(root, { staleLockMs: 60_000, lockWaitMs: 100 });
    const lockFile = store.lockFileFor('workers/a.json');
    expect(existsSync(lockFile)).toBe(true);

    // Younger than the stale timeout: the lock is honoured and the writer gives up with a retryable error.
    await expect(store.put('workers/a.json', 'v1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get('workers/a.json')).toBeNull();

    // Age the lock past the timeout (instead of sleeping through it): the next writer breaks it and proceeds.
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(lockFile, twoMinutesAgo, twoMinutesAgo);
    await store.put('workers/a.json', 'v1', { ifNoneMatch: '*' });
    expect((await store.get('workers/a.json'))?.body).toBe('v1');
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('FsStore lock fencing', () => {
  it('a holder whose lock was broken and re-taken learns it before committing, and the new holder keeps it', async () => {
    // A holder stalled past the stale timeout (a suspended laptop, a stepped clock) has its lock broken; without a
    // fence its delayed rename would land on top of the new holder's write.
    const dir = mkdtempSync(join(tmpdir(), 'fs-fence-'));
    const lock = join(dir, 'k.lock');
    const first = await acquireFileLock(lock, { staleMs: 50, waitMs: 1_000 });
    expect(await first!.stillHeld()).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const second = await acquireFileLock(lock, { staleMs: 50, waitMs: 1_000 });
    expect(second).not.toBeNull();
    expect(await first!.stillHeld()).toBe(false);
    expect(await second!.stillHeld()).toBe(true);
    await first!();
    expect(existsSync(lock)).toBe(true);
    await second!();
    expect(existsSync(lock)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('FsStore delete fencing', () => {
  it('a deleter whose lock was broken while it stalled does not unlink the object the new holder wrote', async () => {
    // The bug: put checked that it still held the key lock before committing, delete did not. A deleter that
    // read the etag, then stalled past the stale timeout, had its lock broken; another writer stored v2 under the
    // new lock, and the stalled deleter's unlink then removed v2 although its precondition was about v1.
    const dir = freshDir();
    const deleter = new FsStore(dir);
    const other = new FsStore(dir, { staleLockMs: 50 });
    const key = 'workers/a.json';
    const { etag } = await deleter.put(key, 'v1');
    fsHook.afterRead = async () => {
      const old = new Date(Date.now() - 60_000);
      utimesSync(deleter.lockFileFor(key), old, old);
      await other.put(key, 'v2');
    };

    const outcome = await deleter.delete(key, { ifMatch: etag }).catch((error: unknown) => error);

    expect(fsHook.afterRead).toBeUndefined();
    expect(outcome).toBeInstanceOf(StoreUnavailableError);
    expect((await deleter.get(key))?.body).toBe('v2');
  });
});

describe('FsStore keys and layout', () => {
  it.each(['', '/etc/passwd', 'a//b', 'a/../b', '..', 'a/.', 'trailing/'])(
    'refuses the key %j with a prefixed ValidationError and writes nothing',
    async (key) => {
      const root = freshDir();
      const store = new FsStore(root);
      for (const attempt of [store.put(key, 'x'), store.get(key), store.delete(key)]) {
        const error = await attempt.then(
          () => null,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(/^\[orchestrator\] \[state:fs\] /);
      }
      expect(readdirSync(root)).toEqual([]);
    },
  );

  it('refuses a list prefix that climbs out of the root', async () => {
    await expect(new FsStore(freshDir()).list('../')).rejects.toBeInstanceOf(ValidationError);
  });

  it('stores keys that differ only in case under distinct names, so case-insensitive disks keep them apart', async () => {
    const root = freshDir();
    const store = new FsStore(root);
    await store.put('Team', 'upper');
    await store.put('team', 'lower');
    const names = readdirSync(join(root, 'objects'));
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(names.length);
    expect((await store.get('Team'))?.body).toBe('upper');
    expect((await store.get('team'))?.body).toBe('lower');
  });

  it('deleting the last key of a directory prunes the emptied directories but keeps non-empty ones', async () => {
    const root = freshDir();
    const store = new FsStore(root);
    await store.put('due/000000000060/alice/w1', '');
    await store.put('due/000000000120/bob/w2', '');
    await store.delete('due/000000000060/alice/w1');
    expect(readdirSync(join(root, 'objects', 'due'))).toEqual(['000000000120']);
    expect((await store.list('due/')).keys.map((entry) => entry.key)).toEqual(['due/000000000120/bob/w2']);
  });

  it('ignores files it did not write when listing', async () => {
    const root = freshDir();
    const store = new FsStore(root);
    await store.put('workers/a.json', '{}');
    writeFileSync(join(root, 'objects', 'workers', '.DS_Store'), '');
    writeFileSync(join(root, 'objects', 'workers', 'b.json~'), '');
    expect((await store.list('workers/')).keys.map((entry) => entry.key)).toEqual(['workers/a.json']);
  });

  it('reports a filesystem failure as a prefixed StoreUnavailableError without the path', async () => {
    const notADirectory = join(freshDir(), 'file');
    writeFileSync(notADirectory, '');
    const error = await new FsStore(notADirectory)
      .put('workers/a.json', '{}')
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^\[orchestrator\] \[state:fs\] put failed \(E[A-Z]+\)$/);
  });
});
