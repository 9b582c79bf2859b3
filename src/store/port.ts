/**
 * The object-store port: the only thing the orchestrator asks of S3, OSS, R2, a directory or memory.
 *
 * Semantics every adapter must honour (proved by `test/conformance/store.case.ts`):
 * - `get` of a missing key is `null`, never an exception.
 * - `put` with `ifNoneMatch: '*'` succeeds only if the key does not exist; with `ifMatch` only if the stored etag
 *   still equals it. A lost precondition throws `PreconditionFailedError`, nothing else.
 * - `delete` is idempotent without `ifMatch`; with it, a changed or missing object throws `PreconditionFailedError`.
 * - `list` returns keys in ascending byte order; `cursor` is absent on the last page and is otherwise passed back
 *   as `startAfter`. A page may be shorter than `limit`.
 *
 * @module
 */

export interface StoredObject {
  body: string;
  /** Opaque version tag; compare only for equality. */
  etag: string;
}

export interface PutOptions {
  /** Write only if the stored object's etag is this one. */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist (create-only). */
  ifNoneMatch?: '*';
}

export interface DeleteOptions {
  ifMatch?: string;
}

export interface ListOptions {
  /** Return only keys strictly after this one (a cursor from a previous page, or any key). */
  startAfter?: string;
  /** Upper bound on keys returned; adapters cap it at 1,000. */
  limit?: number;
}

export interface ListedKey {
  key: string;
  /** The store's own clock, epoch milliseconds. */
  lastModified: number;
}

export interface ListPage {
  keys: ListedKey[];
  /** Present when more keys may follow; pass back as `startAfter`. */
  cursor?: string;
}

export interface ObjectStore {
  /** Adapter name for health reports and error prefixes: `memory`, `fs`, `r2`, `s3`, `oss`. */
  readonly kind: string;
  /**
   * Whether `delete(key, { ifMatch })` is atomic. R2 and some S3-compatible stores only emulate it (HEAD, then
   * DELETE), which can remove an object written in between; callers skip clean-ups that would race a writer.
   */
  readonly atomicConditionalDelete: boolean;
  get(key: string): Promise<StoredObject | null>;
  put(key: string, body: string, options?: PutOptions): Promise<{ etag: string }>;
  delete(key: string, options?: DeleteOptions): Promise<void>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
}

export const MAX_LIST_LIMIT = 1000;

export const clampListLimit = (limit: number | undefined): number =>
  Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit ?? MAX_LIST_LIMIT)));
