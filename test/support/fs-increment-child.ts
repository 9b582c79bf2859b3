/**
 * A separate OS process working on a shared `FsStore` directory, for the cross-process tests.
 *
 *   node --import tsx test/support/fs-increment-child.ts increment <root> <key> <count>
 *     performs <count> compare-and-swap increments of {n} at <key>, then prints {"done":count,"retries":r}.
 *   node --import tsx test/support/fs-increment-child.ts crash-holding-lock <root> <key>
 *     takes <key>'s lock, prints "locked" and kills itself with SIGKILL: a writer that died mid-write.
 */
import { PreconditionFailedError } from '../../src/errors';
import { casUpdate, type Versioned } from '../../src/store/cas';
import { FsStore } from '../../src/store/fs/adapter';
import { acquireFileLock } from '../../src/store/fs/lock';

interface Counter extends Versioned {
  n: number;
}

const [mode, root, key, count] = process.argv.slice(2);
if (!mode || !root || !key) throw new Error('usage: <increment|crash-holding-lock> <root> <key> [count]');
const store = new FsStore(root);

if (mode === 'increment') {
  let retries = 0;
  for (let done = 0; done < Number(count); ) {
    try {
      await casUpdate<Counter>(store, key, (current) => ({ n: (current?.n ?? 0) + 1 }));
      done++;
    } catch (error) {
      // Exhausted attempts mean nothing was written (a 503 to an API caller, who retries): retry the increment.
      if (!(error instanceof PreconditionFailedError)) throw error;
      retries++;
    }
  }
  process.stdout.write(JSON.stringify({ done: Number(count), retries }));
} else if (mode === 'crash-holding-lock') {
  // Make sure the lock directory exists the way the store lays it out, then take the lock and die holding it.
  await store.put(`${key}.seed`, 'x');
  const release = await acquireFileLock(store.lockFileFor(key), { staleMs: 3_600_000, waitMs: 5_000 });
  if (!release) throw new Error('could not take the lock');
  process.stdout.write('locked');
  process.kill(process.pid, 'SIGKILL');
} else {
  throw new Error(`unknown mode ${mode}`);
}
