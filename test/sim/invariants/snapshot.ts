/**
 * A read of the whole simulated world, taken without going through the scheduler (no faults, no time): the
 * records, hints, secrets and events in the bucket, and the resources in the backends.
 */
import type { StoredWorker, WorkerRecord } from '../../../src/lifecycle/model/record';
import { layout } from '../../../src/lifecycle/persistence/layout';
import type { ResourceView } from '../backends/cloud';
import type { World } from '../world';

export interface Snapshot {
  now: number;
  /** Records and tombstones by name. */
  stored: Map<string, StoredWorker>;
  workers: WorkerRecord[];
  /** Earliest hint time per name. */
  earliestHint: Map<string, number>;
  hints: { key: string; atMs: number; name: string }[];
  resources: ResourceView[];
  keys: string[];
}

export function snapshot(world: World): Snapshot {
  const stored = new Map<string, StoredWorker>();
  const earliestHint = new Map<string, number>();
  const hints: Snapshot['hints'] = [];
  const keys = [...world.bucket.entries.keys()];
  for (const key of keys) {
    if (key.startsWith(layout.workersPrefix)) {
      stored.set(layout.nameOfWorkerKey(key), world.bucket.json<StoredWorker>(key)!);
    } else if (key.startsWith(layout.hintsPrefix)) {
      const hint = layout.parseHint(key);
      if (!hint) continue;
      hints.push({ key, atMs: hint.atMs, name: hint.name });
      if (hint.atMs < (earliestHint.get(hint.name) ?? Infinity)) earliestHint.set(hint.name, hint.atMs);
    }
  }
  const workers = [...stored.values()].filter((s): s is WorkerRecord => s.kind === 'worker');
  return { now: world.now(), stored, workers, earliestHint, hints, resources: world.resources(), keys };
}
