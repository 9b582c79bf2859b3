/**
 * The sweeper's roster (`locks/sweeper-roster`, read and written through persistence): for every worker name, the uid and `lastModified` of the record
 * version the full scan last verified, and the inventory pass that last saw its backend resource.
 *
 * Why it exists: the sweeper promises a run with nothing due to cost O(1 + awake/1000) store operations whatever the
 * fleet size, yet also wants a full scan and an inventory reconcile. With the roster, a scan slice reads only
 * the records whose `lastModified` moved since they were verified, and the reconcile matches a resource's
 * `(worker, uid)` without reading its record. It is a cache and nothing more: every action re-reads the record,
 * a lost or stale roster only costs extra reads, and a conditional write keeps two runs from mixing theirs.
 *
 * @module
 */

import type { SweeperStorage } from '../persistence';

export interface RosterEntry {
  /** `uidKey(uid)`: enough to tell two incarnations of one name apart. */
  u: string;
  /** `w` a worker record, `t` a tombstone. */
  k: 'w' | 't';
  /** The `lastModified` (store clock) of the record version that was verified. */
  m: number;
  /** Set when the record wants to run on a known resource, so the inventory must show that resource. */
  r?: 1;
  /** The backend of that resource (set with `r`): only a backend that was fully listed can prove it missing. */
  b?: string;
  /** When the worker's events were last trimmed to the retention (store clock). */
  x?: number;
  /** The inventory pass that last saw this worker's resource. */
  s?: number;
}

interface RosterDoc {
  /** True once a full scan has verified every name: until then the reconcile trusts nothing in it. */
  complete: boolean;
  entries: Record<string, RosterEntry>;
}

/** 48 bits of the uid: a false match between two incarnations of one name is not a practical concern. */
export const uidKey = (uid: string): string => uid.replace(/-/g, '').slice(0, 12);

export class Roster {
  dirty = false;

  private constructor(
    private readonly storage: SweeperStorage,
    private doc: RosterDoc,
    private etag: string | null,
  ) {}

  static async load(storage: SweeperStorage): Promise<Roster> {
    const object = await storage.readRoster();
    if (!object) return new Roster(storage, { complete: false, entries: {} }, null);
    try {
      const doc = JSON.parse(object.body) as RosterDoc;
      return new Roster(
        storage,
        { complete: doc.complete === true, entries: doc.entries ?? {} },
        object.etag,
      );
    } catch {
      // A damaged cache is rebuilt by the next full scan, never trusted.
      return new Roster(storage, { complete: false, entries: {} }, object.etag);
    }
  }

  get complete(): boolean {
    return this.doc.complete;
  }

  markComplete(): void {
    if (!this.doc.complete) {
      this.doc.complete = true;
      this.dirty = true;
    }
  }

  get(name: string): RosterEntry | undefined {
    return this.doc.entries[name];
  }

  set(name: string, entry: RosterEntry): void {
    this.doc.entries[name] = entry;
    this.dirty = true;
  }

  remove(name: string): void {
    if (this.doc.entries[name]) {
      delete this.doc.entries[name];
      this.dirty = true;
    }
  }

  /** Names in `(after, upTo]` (upTo absent: to the end), for pruning names a listing no longer shows. */
  namesBetween(after: string | undefined, upTo: string | undefined): string[] {
    return Object.keys(this.doc.entries).filter(
      (name) => (after === undefined || name > after) && (upTo === undefined || name <= upTo),
    );
  }

  entries(): [string, RosterEntry][] {
    return Object.entries(this.doc.entries);
  }

  /** Writes the roster if it changed; false when another run wrote it first (our changes are dropped). */
  async save(): Promise<boolean> {
    if (!this.dirty) return true;
    const etag = await this.storage.writeRoster(JSON.stringify(this.doc), this.etag);
    if (etag === null) return false;
    this.etag = etag;
    this.dirty = false;
    return true;
  }
}
