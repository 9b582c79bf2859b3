/**
 * Env values, `secrets/<name>/<uid>.json`: the candidates of each env name (several survive concurrent PATCHes;
 * the record's HMAC picks one), added and pruned by compare-and-swap. Only the lifecycle and the sweeper read it.
 *
 * @module
 */

import type { ObjectStore } from '../../store/port';
import { readDocument, updateDocument } from './document';
import { layout } from './layout';

/** One stored env value and when it was added. */
interface SecretCandidate {
  value: string;
  at: number;
}

/** Env values of one incarnation. Several candidates per name survive concurrent PATCHes; the HMAC picks one. */
interface SecretsDoc {
  env: Record<string, (SecretCandidate | string)[]>;
  write_id: string;
}

/** Candidates by env name; plain strings (written before candidates carried a time) count as old. */
function candidatesOf(doc: SecretsDoc | null): Map<string, SecretCandidate[]> {
  return new Map(
    Object.entries(doc?.env ?? {}).map(([key, list]) => [
      key,
      list.map((c) => (typeof c === 'string' ? { value: c, at: 0 } : c)),
    ]),
  );
}

export class Secrets {
  constructor(private readonly store: ObjectStore) {}

  async addCandidates(
    name: string,
    uid: string,
    env: Record<string, string>,
    now = Date.now(),
  ): Promise<void> {
    if (Object.keys(env).length === 0) return;
    await updateDocument<SecretsDoc>(this.store, 'secrets', layout.secrets(name, uid), (current) => {
      // A Map, not an object: env names such as `constructor` or `__proto__` must stay plain keys.
      const merged = candidatesOf(current);
      for (const [key, value] of Object.entries(env)) {
        // A value given again is fresh again: pruning must not drop it as superseded.
        const others = (merged.get(key) ?? []).filter((c) => c.value !== value);
        const previous = (merged.get(key) ?? []).find((c) => c.value === value);
        merged.set(key, [...others, { value, at: Math.max(previous?.at ?? 0, now) }]);
      }
      return { env: Object.fromEntries(merged) };
    });
  }

  async readCandidates(name: string, uid: string): Promise<Record<string, string[]>> {
    const doc =
      (await readDocument<SecretsDoc>(this.store, 'secrets', layout.secrets(name, uid)))?.value ?? null;
    return Object.fromEntries([...candidatesOf(doc)].map(([key, list]) => [key, list.map((c) => c.value)]));
  }

  /**
   * Drops superseded values (a rotated token must not linger): keeps the values in use and anything added after
   * `addedBefore`, which may belong to an update whose record write has not landed yet.
   */
  async prune(name: string, uid: string, inUse: Record<string, string>, addedBefore: number): Promise<void> {
    await updateDocument<SecretsDoc>(this.store, 'secrets', layout.secrets(name, uid), (current) => {
      if (!current) return undefined;
      const used = new Map(Object.entries(inUse));
      let dropped = false;
      const kept = [...candidatesOf(current)].flatMap(([key, list]) => {
        const keep = list.filter((c) => used.get(key) === c.value || c.at >= addedBefore);
        dropped ||= keep.length !== list.length;
        return keep.length ? [[key, keep] as const] : [];
      });
      return dropped ? { env: Object.fromEntries(kept) } : undefined;
    });
  }

  delete(name: string, uid: string): Promise<void> {
    return this.store.delete(layout.secrets(name, uid));
  }
}
