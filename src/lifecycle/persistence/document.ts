/**
 * One JSON document at a fixed key, changed only by compare-and-swap. The repository hands these out for the
 * small documents beside the worker records (team records, the sweeper lease), so that no lifecycle code builds a
 * key or calls the CAS itself: every write in the lifecycle goes through this folder.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import {
  type CasResult,
  casUpdate,
  type Draft,
  newWriteId,
  type Read,
  readJson,
  type Versioned,
} from '../../store/cas';
import type { ObjectStore } from '../../store/port';

export class CasDocument<T extends Versioned> {
  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
  ) {}

  async read(): Promise<T | null> {
    return (await readJson<T>(this.store, this.key))?.value ?? null;
  }

  /** The document with its etag, for a `replace` over exactly what was read. */
  readVersioned(): Promise<Read<T> | null> {
    return readJson<T>(this.store, this.key);
  }

  /** `mutate` is pure: the next value, or `undefined` to write nothing; it may throw to abort. */
  update(mutate: (current: T | null) => Draft<T> | undefined): Promise<CasResult<T>> {
    return casUpdate<T>(this.store, this.key, mutate);
  }

  /**
   * Writes `next` only over the version `etag` (one conditional put, no read): the new etag, or `null` when
   * another write came first. For a writer that still holds what it wrote last (a lease it is releasing).
   */
  async replace(next: Draft<T>, etag: string): Promise<string | null> {
    try {
      const written = await this.store.put(this.key, JSON.stringify({ ...next, write_id: newWriteId() }), {
        ifMatch: etag,
      });
      return written.etag;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return null;
      throw error;
    }
  }

  /** When the store last wrote this document, by the store's own clock (`null` when it does not exist). */
  async lastModified(): Promise<number | null> {
    const listed = await this.store.list(this.key, { limit: 1 });
    return listed.keys.find((k) => k.key === this.key)?.lastModified ?? null;
  }
}
