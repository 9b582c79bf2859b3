/**
 * Heartbeats, `beats/<name>`: the latest report of each worker, written only over the version read, and deleted
 * only for the incarnation that wrote it.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { type Read, readJson } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import type { Beat } from '../model';
import { layout } from './layout';

export class Beats {
  constructor(private readonly store: ObjectStore) {}

  async read(name: string): Promise<Beat | null> {
    return (await readJson<Beat>(this.store, layout.beat(name)))?.value ?? null;
  }

  /** The beat with its etag, for a write conditional on what was read. */
  readVersioned(name: string): Promise<Read<Beat> | null> {
    return readJson<Beat>(this.store, layout.beat(name));
  }

  /**
   * Writes the beat only over the version read (`etag`), or only where there was none (`null`): `false` when
   * another report wrote first.
   */
  async write(name: string, beat: Beat, etag: string | null): Promise<boolean> {
    try {
      await this.store.put(
        layout.beat(name),
        JSON.stringify(beat),
        etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag },
      );
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Deletes the beat of one incarnation only: a beat written meanwhile by a re-created worker of the same name
   * (another uid, or a newer version) is left alone.
   */
  async delete(name: string, uid?: string): Promise<void> {
    const beat = await readJson<Beat>(this.store, layout.beat(name));
    if (!beat || (uid !== undefined && beat.value.uid !== uid)) return;
    await this.store.delete(layout.beat(name), { ifMatch: beat.etag }).catch((error) => {
      if (!(error instanceof PreconditionFailedError)) throw error;
    });
  }

  /** Beats in name order, each with the store's time of its last write; the cursor is opaque. */
  async list(options: { startAfter?: string; limit?: number } = {}) {
    const page = await this.store.list(layout.beatsPrefix, {
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    return {
      beats: page.keys.map((k) => ({
        name: k.key.slice(layout.beatsPrefix.length),
        lastModified: k.lastModified,
      })),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  }
}
