/**
 * What the sweeper reads and writes besides worker records: its lease document, the deployment marker, the whole
 * hint index (for repairs), tombstones and the stale beats it retires. Every conditional delete here is fenced
 * on what the sweeper read, so a worker re-created meanwhile is never touched.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { readJson, type Versioned } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import type { Beat } from '../model';
import { CasDocument } from './document';
import { type DeploymentMeta, layout } from './layout';

export class SweeperStorage {
  constructor(private readonly store: ObjectStore) {}

  /** The sweeper's lease and scan state; the body's meaning belongs to the sweeper. */
  lock<T extends Versioned>(): CasDocument<T> {
    return new CasDocument<T>(this.store, 'sweeper_lock', layout.sweeperLock);
  }

  /** `meta/deployment.json` as stored, without creating it (reconcile must not act on a store it did not find). */
  async deploymentMeta(): Promise<DeploymentMeta | null> {
    return (await readJson<DeploymentMeta>(this.store, layout.deployment))?.value ?? null;
  }

  async hasNoWorkers(): Promise<boolean> {
    return (await this.store.list(layout.workersPrefix, { limit: 1 })).keys.length === 0;
  }

  /** Every hint's worker and time, paged through to the end (a full scan's repair pass). */
  /** The sweeper's roster as stored (body and etag), or `null`. */
  readRoster(): Promise<{ body: string; etag: string } | null> {
    return this.store.get(layout.sweeperRoster);
  }

  /**
   * Writes the roster over the version read (`etag`; `null`: only if there is none). The new etag, or `null`
   * when another run wrote it first.
   */
  async writeRoster(body: string, etag: string | null): Promise<string | null> {
    try {
      const written = await this.store.put(
        layout.sweeperRoster,
        body,
        etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
      );
      return written.etag;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return null;
      throw error;
    }
  }

  async earliestHints(): Promise<Map<string, number>> {
    const earliest = new Map<string, number>();
    let startAfter: string | undefined;
    do {
      const page = await this.store.list(layout.hintsPrefix, {
        limit: 1000,
        ...(startAfter ? { startAfter } : {}),
      });
      for (const { key } of page.keys) {
        const hint = layout.parseHint(key);
        if (hint && hint.atMs < (earliest.get(hint.name) ?? Number.POSITIVE_INFINITY)) {
          earliest.set(hint.name, hint.atMs);
        }
      }
      startAfter = page.cursor;
    } while (startAfter);
    return earliest;
  }

  /** One page of `secrets/<name>/<uid>.json` objects in key order (the HMAC key beside them is left out). */
  async listSecrets(options: { startAfter?: string; limit: number }) {
    const page = await this.store.list(layout.secretsPrefix, {
      limit: options.limit,
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    });
    const secrets = page.keys.flatMap(({ key, lastModified }) => {
      const parsed = layout.parseSecrets(key);
      return parsed ? [{ ...parsed, lastModified }] : [];
    });
    return { secrets, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /**
   * Reads one incarnation's env values (their etag), lets `orphaned` decide from the record, and deletes exactly
   * the version read: `true` when it went, `false` when it was kept, gone already, or rewritten meanwhile.
   */
  async deleteSecretsIf(name: string, uid: string, orphaned: () => Promise<boolean>): Promise<boolean> {
    const key = layout.secrets(name, uid);
    const object = await this.store.get(key);
    if (!object || !(await orphaned())) return false;
    try {
      await this.store.delete(key, { ifMatch: object.etag });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /** Whether deleting a tombstone can be conditional for real (else a record created over it could be lost). */
  get canDeleteTombstones(): boolean {
    return this.store.atomicConditionalDelete === true;
  }

  /** Deletes the tombstone we read; `false` when a create reused the name meanwhile. */
  async deleteTombstone(name: string, etag: string): Promise<boolean> {
    try {
      await this.store.delete(layout.worker(name), { ifMatch: etag });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /** Deletes the events of one incarnation (their keys carry its uid); another incarnation's stay. */
  async deleteIncarnationEvents(name: string, uid: string): Promise<void> {
    const prefix = layout.eventsPrefix(name);
    const marker = `-${uid}-`;
    let startAfter: string | undefined;
    do {
      const page = await this.store.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
      for (const { key } of page.keys) if (key.includes(marker)) await this.store.delete(key);
      startAfter = page.cursor;
    } while (startAfter);
  }

  /**
   * Deletes the beat only if it is still older than `silentSince`: a new boot that became ready since the listing
   * has just written a fresh beat, and that one must stay.
   */
  async deleteBeatIfSilent(name: string, silentSince: number): Promise<boolean> {
    const object = await this.store.get(layout.beat(name));
    if (!object) return false;
    const beat = JSON.parse(object.body) as Beat;
    if (Date.parse(beat.at) > silentSince) return false;
    try {
      await this.store.delete(layout.beat(name), { ifMatch: object.etag });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }
}
