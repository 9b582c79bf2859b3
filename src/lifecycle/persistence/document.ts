/**
 * Versioned JSON documents changed only by compare-and-swap. The worker records (through the repository) and the
 * small documents beside them (team records, the sweeper lease, as a `CasDocument`) are read and written here, so
 * that no lifecycle code builds a key or calls the CAS itself, and every read is migrated to this release's shape
 * (or refused when a newer release wrote it) and every write is labelled with this release's `schema_version`
 * (see `model/schema.ts`).
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import {
  type CasOptions,
  type CasResult,
  casUpdate,
  type Draft,
  newWriteId,
  type Read,
  readJson,
  type Versioned,
} from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import { type DocumentKind, labelWithVersion, upgradeDocument } from '../model';

/** Reads one versioned document, migrated to this release's shape; `null` when absent. */
export async function readDocument<T>(
  store: ObjectStore,
  kind: DocumentKind,
  key: string,
): Promise<Read<T> | null> {
  const stored = await readJson<unknown>(store, key);
  return stored && { value: upgradeDocument<T>(kind, key, stored.value), etag: stored.etag };
}

/**
 * Compare-and-swap of one versioned document: `mutate` and `beforeWrite` see it migrated to this release's shape,
 * and what is written carries this release's `schema_version`. A document a newer release wrote is refused before
 * `mutate` runs, so nothing is written over it.
 */
export async function updateDocument<T extends Versioned>(
  store: ObjectStore,
  kind: DocumentKind,
  key: string,
  mutate: (current: T | null) => Draft<T> | undefined,
  options: CasOptions<T> = {},
): Promise<CasResult<T>> {
  const upgrade = (value: T | null) => (value === null ? null : upgradeDocument<T>(kind, key, value));
  const { beforeWrite } = options;
  const result = await casUpdate<T>(
    store,
    key,
    (current) => {
      const draft = mutate(upgrade(current));
      return draft === undefined ? undefined : labelWithVersion(kind, draft);
    },
    {
      ...options,
      ...(beforeWrite
        ? { beforeWrite: (next: T, previous: T | null) => beforeWrite(next, upgrade(previous)) }
        : {}),
    },
  );
  // A mutation that declined hands back the stored value as it was read: migrate it like any other read.
  return { ...result, value: upgrade(result.value) };
}

export class CasDocument<T extends Versioned> {
  constructor(
    private readonly store: ObjectStore,
    private readonly kind: DocumentKind,
    readonly key: string,
  ) {}

  async read(): Promise<T | null> {
    return (await readDocument<T>(this.store, this.kind, this.key))?.value ?? null;
  }

  /** The document with its etag, for a `replace` over exactly what was read. */
  readVersioned(): Promise<Read<T> | null> {
    return readDocument<T>(this.store, this.kind, this.key);
  }

  /** `mutate` is pure: the next value, or `undefined` to write nothing; it may throw to abort. */
  update(mutate: (current: T | null) => Draft<T> | undefined): Promise<CasResult<T>> {
    return updateDocument<T>(this.store, this.kind, this.key, mutate);
  }

  /**
   * Writes `next` only over the version `etag` (one conditional put, no read): the new etag, or `null` when
   * another write came first. For a writer that still holds what it wrote last (a lease it is releasing).
   */
  async replace(next: Draft<T>, etag: string): Promise<string | null> {
    try {
      const labelled = labelWithVersion(this.kind, next);
      const written = await this.store.put(
        this.key,
        JSON.stringify({ ...labelled, write_id: newWriteId() }),
        {
          ifMatch: etag,
        },
      );
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
