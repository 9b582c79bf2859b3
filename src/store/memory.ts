import { PreconditionFailedError } from '../errors';
import {
  clampListLimit,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutOptions,
} from './port';

interface Entry {
  body: string;
  etag: string;
  lastModified: number;
}

/**
 * In-process store for tests and benchmarks. Every operation is synchronous inside one microtask, so
 * compare-and-swap is trivially atomic; `now` lets tests control the store's clock (`lastModified`).
 */
export class MemoryStore implements ObjectStore {
  readonly kind = 'memory';
  readonly atomicConditionalDelete = true;
  private readonly entries = new Map<string, Entry>();
  private version = 0;
  /** Operation counters, for tests and benchmarks that assert on store cost. */
  readonly counts = { get: 0, put: 0, delete: 0, list: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string) {
    this.counts.get++;
    const entry = this.entries.get(key);
    return entry ? { body: entry.body, etag: entry.etag } : null;
  }

  async put(key: string, body: string, options: PutOptions = {}) {
    this.counts.put++;
    const current = this.entries.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
      throw new PreconditionFailedError(key);
    const etag = `m${++this.version}`;
    this.entries.set(key, { body, etag, lastModified: this.now() });
    return { etag };
  }

  async delete(key: string, options: DeleteOptions = {}) {
    this.counts.delete++;
    const current = this.entries.get(key);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
      throw new PreconditionFailedError(key);
    this.entries.delete(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    this.counts.list++;
    const limit = clampListLimit(options.limit);
    const keys = [...this.entries.keys()]
      .filter(
        (key) => key.startsWith(prefix) && (options.startAfter === undefined || key > options.startAfter),
      )
      .sort();
    const page = keys.slice(0, limit);
    return {
      keys: page.map((key) => ({ key, lastModified: this.entries.get(key)!.lastModified })),
      ...(keys.length > limit ? { cursor: page[page.length - 1]! } : {}),
    };
  }

  /** Total operations so far. */
  operations(): number {
    return this.counts.get + this.counts.put + this.counts.delete + this.counts.list;
  }

  resetCounts(): void {
    this.counts.get = this.counts.put = this.counts.delete = this.counts.list = 0;
  }
}
