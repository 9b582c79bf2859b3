import { OrchestratorError, PreconditionFailedError, StoreUnavailableError } from '../errors';
import {
  clampListLimit,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutOptions,
} from './port';

/**
 * The Cloudflare R2 binding surface this adapter uses, declared structurally so that neither the orchestrator nor
 * its tests depend on `@cloudflare/workers-types`: a Workers `env.STATE` binding and miniflare's Node-side proxy
 * (`mf.getR2Bucket`) both satisfy it.
 */
export interface R2ObjectLike {
  key: string;
  /** Unquoted, unlike `httpEtag`. */
  etag: string;
  uploaded: Date;
}

export interface R2ObjectBodyLike extends R2ObjectLike {
  text(): Promise<string>;
}

export interface R2ConditionalLike {
  etagMatches?: string;
  etagDoesNotMatch?: string;
}

export interface R2ObjectsLike {
  objects: R2ObjectLike[];
  truncated: boolean;
  cursor?: string;
}

export interface R2BucketLike {
  head(key: string): Promise<R2ObjectLike | null>;
  get(key: string): Promise<R2ObjectBodyLike | null>;
  /** Resolves to `null` (it does not throw) when `onlyIf` fails. */
  put(key: string, value: string, options?: { onlyIf?: R2ConditionalLike }): Promise<R2ObjectLike | null>;
  delete(key: string): Promise<void>;
  list(options?: {
    prefix?: string;
    limit?: number;
    cursor?: string;
    startAfter?: string;
  }): Promise<R2ObjectsLike>;
}

const PREFIX = '[orchestrator] [state:r2]';

/**
 * An R2 listing page may in principle come back truncated yet empty; following R2's own cursor a few times
 * keeps such a page from turning into an endless loop of identical `startAfter` cursors.
 */
const MAX_EMPTY_PAGES = 10;

/**
 * `ObjectStore` over an R2 bucket binding: the local emulator's store (miniflare R2 persisted on disk), and usable
 * on Cloudflare itself. Runs in workerd and in Node alike: it touches nothing but the binding.
 *
 * Conditional writes map to `onlyIf`: `ifMatch` → `{ etagMatches }`; create-only → `{ etagDoesNotMatch: '*' }`
 * (the object form of `If-None-Match: *`; a `Headers` instance would do the same in workerd but cannot cross
 * miniflare's Node proxy). A failed precondition makes `put` resolve to `null`, which becomes
 * `PreconditionFailedError`.
 *
 * @example
 * export default { fetch: (request, env) => handle(request, new R2Store(env.STATE)) };
 */
export class R2Store implements ObjectStore {
  readonly kind = 'r2';
  /** R2 has no conditional delete: it is emulated (head, compare, delete). */
  readonly atomicConditionalDelete = false;

  constructor(private readonly bucket: R2BucketLike) {}

  async get(key: string) {
    return guard('get', async () => {
      const object = await this.bucket.get(key);
      return object ? { body: await object.text(), etag: object.etag } : null;
    });
  }

  async put(key: string, body: string, options: PutOptions = {}) {
    const onlyIf: R2ConditionalLike = {
      ...(options.ifMatch === undefined ? {} : { etagMatches: options.ifMatch }),
      ...(options.ifNoneMatch === '*' ? { etagDoesNotMatch: '*' } : {}),
    };
    const written = await guard('put', () =>
      this.bucket.put(key, body, Object.keys(onlyIf).length > 0 ? { onlyIf } : undefined),
    );
    if (!written) throw new PreconditionFailedError(key);
    return { etag: written.etag };
  }

  /**
   * R2 has no conditional delete, so `ifMatch` is emulated as head + compare + delete. Between the head and the
   * delete another writer may replace the object, and its newer version would be deleted. The orchestrator deletes
   * with `ifMatch` only to clean up (expired tombstones, spent hints, a released lease), where losing that race
   * removes state the next writer or sweep re-creates; and the R2 store serves the single-machine emulator.
   */
  async delete(key: string, options: DeleteOptions = {}) {
    await guard('delete', async () => {
      if (options.ifMatch !== undefined && (await this.bucket.head(key))?.etag !== options.ifMatch) {
        throw new PreconditionFailedError(key);
      }
      await this.bucket.delete(key);
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = clampListLimit(options.limit);
    return guard('list', async () => {
      let page = await this.bucket.list({
        prefix,
        limit,
        ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }),
      });
      for (
        let i = 0;
        i < MAX_EMPTY_PAGES && page.truncated && page.objects.length === 0 && page.cursor;
        i++
      ) {
        page = await this.bucket.list({ prefix, limit, cursor: page.cursor });
      }
      if (page.truncated && page.objects.length === 0) {
        // Ending here would silently drop the rest of the listing; a retryable failure is the honest answer.
        throw new StoreUnavailableError(`${PREFIX} list returned only empty truncated pages`);
      }
      const keys = page.objects.map((object) => ({ key: object.key, lastModified: timeOf(object.uploaded) }));
      const last = keys[keys.length - 1];
      // Our cursor is the last key (passed back as `startAfter`), not R2's opaque cursor, as the port requires.
      return { keys, ...(page.truncated && last ? { cursor: last.key } : {}) };
    });
  }
}

/** Through miniflare's proxy `uploaded` arrives as a Date; tolerate a string or number all the same. */
const timeOf = (uploaded: Date | string | number) =>
  uploaded instanceof Date ? uploaded.getTime() : new Date(uploaded).getTime();

/** Domain errors pass through; any other binding failure becomes a retryable, prefixed store error. */
async function guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof OrchestratorError) throw error;
    throw new StoreUnavailableError(`${PREFIX} ${op} failed`, { cause: error });
  }
}
