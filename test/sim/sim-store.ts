/**
 * The simulated object store behind the real store port. One shared keyspace (what the bucket holds) and, for each
 * simulated function, a view whose every request is a scheduler call that can fail in the ways the failure model allows:
 * throttled before it is sent, carried out with its response lost, stalled for N virtual seconds, a conditional
 * delete that lands but answers with an error, a listing that misses a key written a moment ago.
 */
import { PreconditionFailedError, StoreUnavailableError } from '../../src/errors';
import {
  clampListLimit,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutOptions,
} from '../../src/store/port';
import type { Random } from './random';
import type { Scheduler, Task } from './scheduler';

export interface StoreFaults {
  /** 503/throttle before the operation reaches the store. */
  throttle: number;
  /** A put or delete is applied, then its response is lost (the caller sees an error). */
  lostResponse: number;
  /** A conditional delete is applied, then answers with an error (a lost response on the retry path). */
  lostConditionalDelete: number;
  /** The request stalls for 1–120 virtual seconds before the store acts on it. */
  stall: number;
  /** A listing leaves out keys written in the last few seconds. */
  listingMiss: number;
}

export const NO_STORE_FAULTS: StoreFaults = {
  throttle: 0,
  lostResponse: 0,
  lostConditionalDelete: 0,
  stall: 0,
  listingMiss: 0,
};

interface Entry {
  body: string;
  etag: string;
  lastModified: number;
}

/** Called after every write that landed on a key, with the body before and after (null: absent). */
export type WriteObserver = (key: string, before: string | null, after: string | null) => void;

/** How recent a key must be for a lagging listing to miss it. */
const LISTING_LAG_MS = 5_000;

export class SimBucket {
  readonly entries = new Map<string, Entry>();
  private version = 0;
  faults: StoreFaults;
  readonly observers: WriteObserver[] = [];

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Random,
    faults: StoreFaults,
  ) {
    this.faults = { ...faults };
  }

  /** The store as one simulated function sees it. */
  viewFor(task: Task): ObjectStore {
    return {
      kind: 'sim',
      atomicConditionalDelete: true,
      get: (key) => this.request(task, `get ${key}`, false, () => this.read(key)),
      put: (key, body, options) =>
        this.request(task, `put ${key}`, true, () => this.write(key, body, options)),
      delete: (key, options) =>
        this.request(
          task,
          `delete ${key}`,
          true,
          () => this.remove(key, options),
          options?.ifMatch !== undefined,
        ),
      list: (prefix, options) =>
        this.request(task, `list ${prefix}`, false, () => this.listing(prefix, options)),
    };
  }

  private request<T>(task: Task, label: string, mutates: boolean, act: () => T, conditionalDelete = false) {
    const f = this.faults;
    const stallMs = this.rng.chance(f.stall) ? this.rng.int(1, 120) * 1000 : 0;
    const throttled = this.rng.chance(f.throttle);
    const lost =
      mutates &&
      this.rng.chance(conditionalDelete ? f.lostConditionalDelete + f.lostResponse : f.lostResponse);
    const describe = `${label}${stallMs ? ` (stalled ${stallMs / 1000}s)` : ''}${throttled ? ' (throttled)' : ''}${lost ? ' (response lost)' : ''}`;
    return this.scheduler.call(
      task,
      describe,
      () => {
        if (throttled)
          throw new StoreUnavailableError('[sim store] SlowDown: please reduce your request rate');
        const value = act();
        if (lost)
          throw new StoreUnavailableError('[sim store] the response was lost after the request landed');
        return value;
      },
      stallMs,
    );
  }

  read(key: string) {
    const entry = this.entries.get(key);
    return entry ? { body: entry.body, etag: entry.etag } : null;
  }

  private write(key: string, body: string, options: PutOptions = {}) {
    const current = this.entries.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
      throw new PreconditionFailedError(key);
    const etag = `e${++this.version}`;
    this.entries.set(key, { body, etag, lastModified: this.scheduler.now() });
    for (const observe of this.observers) observe(key, current?.body ?? null, body);
    return { etag };
  }

  private remove(key: string, options: DeleteOptions = {}) {
    const current = this.entries.get(key);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
      throw new PreconditionFailedError(key);
    if (!current) return;
    this.entries.delete(key);
    for (const observe of this.observers) observe(key, current.body, null);
  }

  private listing(prefix: string, options: ListOptions = {}): ListPage {
    const limit = clampListLimit(options.limit);
    const lagging = this.rng.chance(this.faults.listingMiss);
    const now = this.scheduler.now();
    const keys = [...this.entries.keys()]
      .filter(
        (key) => key.startsWith(prefix) && (options.startAfter === undefined || key > options.startAfter),
      )
      .filter((key) => !lagging || now - this.entries.get(key)!.lastModified > LISTING_LAG_MS)
      .sort();
    const page = keys.slice(0, limit);
    return {
      keys: page.map((key) => ({ key, lastModified: this.entries.get(key)!.lastModified })),
      ...(keys.length > limit ? { cursor: page[page.length - 1]! } : {}),
    };
  }

  /** Keys under a prefix, for invariants (no faults, no scheduling). */
  keysUnder(prefix: string): string[] {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix));
  }

  /** When a key was last written (the store's clock), for invariants. */
  lastModified(key: string): number | undefined {
    return this.entries.get(key)?.lastModified;
  }

  json<T>(key: string): T | null {
    const entry = this.entries.get(key);
    return entry ? (JSON.parse(entry.body) as T) : null;
  }
}
