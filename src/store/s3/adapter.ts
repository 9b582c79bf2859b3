import { OrchestratorError, PreconditionFailedError, StoreUnavailableError } from '../../errors';
import {
  clampListLimit,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutOptions,
} from '../port';
import { DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, withRetry } from '../retry';
import {
  classifyS3Error,
  describeS3Error,
  isConditionalConflict,
  isNoSuchKey,
  isNotImplemented,
  isPreconditionFailed,
} from './errors';
import { parseListResult, S3Rest } from './rest';

/**
 * Which S3 implementation is behind the endpoint. They differ in two details this adapter depends on:
 * - `aws`: `If-Match` takes the quoted ETag (RFC 9110); `DeleteObject` honours `If-Match`.
 * - `ceph-rgw` (RADOS Gateway 16.x): `If-Match` on PutObject is compared with the *unquoted* ETag (a quoted one
 *   never matches), and `If-Match` on DeleteObject is silently ignored, so conditional delete is emulated.
 */
export type S3Dialect = 'aws' | 'ceph-rgw';

export interface S3StoreOptions {
  bucket: string;
  /** Default `us-east-1` (any value works for S3-compatible endpoints). */
  region?: string;
  /** For S3-compatible stores (Ceph RGW, MinIO…); implies path-style addressing unless `forcePathStyle` says no. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Default: the environment's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` (Lambda's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Key prefix inside the bucket (the state prefix), e.g. `orchestrator/`. */
  prefix?: string;
  dialect?: S3Dialect;
  /** Deadline of one HTTP request; a request past it is abandoned and retried. Default 5 s. */
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

const stripQuotes = (etag: string): string => etag.replace(/^(W\/)?"(.*)"$/, '$2');

/**
 * The state store on Amazon S3 or an S3-compatible service.
 *
 * Compare-and-swap rests on S3 conditional writes: `PutObject` with `If-Match: <etag>` or `If-None-Match: *`
 * (412 `PreconditionFailed` when lost; 409 `ConditionalRequestConflict` when two overlap, retried). ETags are
 * exposed without quotes. Every request is retried on throttling, 5xx, resets and timeouts with jittered backoff,
 * then surfaces as `StoreUnavailableError`.
 *
 * @example
 * const store = new S3Store({ bucket: 'my-state', region: 'eu-west-1', prefix: 'orchestrator/' });
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3';
  private readonly rest: S3Rest;
  private readonly prefix: string;
  private readonly dialect: S3Dialect;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  /** Set once a store answers `NotImplemented` to a conditional delete; from then on it is emulated. */
  private emulateConditionalDelete: boolean;

  /** False where conditional delete is emulated (the ceph-rgw dialect, or a store that answered 501 to it). */
  get atomicConditionalDelete(): boolean {
    return !this.emulateConditionalDelete;
  }

  constructor(options: S3StoreOptions) {
    this.prefix = options.prefix ? options.prefix.replace(/\/*$/, '/') : '';
    this.dialect = options.dialect ?? 'aws';
    this.emulateConditionalDelete = this.dialect === 'ceph-rgw';
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.policy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.rest = new S3Rest({
      bucket: options.bucket,
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  async get(key: string) {
    try {
      return await this.send(async (signal) => {
        const response = await this.rest.request('GET', this.prefix + key, { signal });
        const body = await response.text();
        return { body, etag: this.etagOf(response.headers.get('etag'), 'get', key) };
      });
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw this.translate('get', key, error, false);
    }
  }

  async put(key: string, body: string, options: PutOptions = {}) {
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch === '*';
    try {
      return await this.send(async (signal) => {
        const response = await this.rest.request('PUT', this.prefix + key, {
          body,
          headers: {
            'content-type': 'application/octet-stream',
            ...(options.ifMatch !== undefined ? { 'if-match': this.condition(options.ifMatch) } : {}),
            ...(options.ifNoneMatch === '*' ? { 'if-none-match': '*' } : {}),
          },
          signal,
        });
        await response.body?.cancel();
        return { etag: this.etagOf(response.headers.get('etag'), 'put', key) };
      });
    } catch (error) {
      // AWS answers an If-Match on a missing key with 404: for the port that is a lost precondition too.
      if (options.ifMatch !== undefined && isNoSuchKey(error)) throw new PreconditionFailedError(key);
      throw this.translate('put', key, error, conditional);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    const emulated = this.emulateConditionalDelete;
    // Whether the DELETE itself carries If-Match: an emulated one checked the ETag by HEAD and sends none.
    const conditional = options.ifMatch !== undefined && !emulated;
    if (options.ifMatch !== undefined && emulated) await this.assertCurrentEtag(key, options.ifMatch);
    let attempts = 0;
    try {
      await this.send(async (signal) => {
        attempts++;
        const response = await this.rest.request('DELETE', this.prefix + key, {
          // Emulated mode checked the ETag above and must not send a condition the store rejects.
          headers: conditional ? { 'if-match': this.condition(options.ifMatch!) } : {},
          signal,
        });
        await response.body?.cancel();
      });
    } catch (error) {
      if (options.ifMatch !== undefined && isNoSuchKey(error)) {
        // A 404 to a conditional delete means "no object is stored under this key now". On the first attempt the
        // caller's version was already gone: a lost precondition. On a retry, an earlier attempt (whose answer
        // was lost to a reset, a 5xx or a timeout) may have deleted exactly that version; whether it did, or
        // another deleter did, the version the caller named is gone and nothing replaced it (a newer object
        // would answer 412, not 404), so the delete's goal holds and reporting a lost precondition would make
        // the caller skip its clean-up for a delete that landed.
        if (conditional && attempts > 1) return;
        throw new PreconditionFailedError(key);
      }
      if (conditional && isNotImplemented(error)) {
        this.emulateConditionalDelete = true;
        return this.delete(key, options);
      }
      throw this.translate('delete', key, error, conditional);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    try {
      const out = await this.send(async (signal) => {
        const query: Record<string, string> = {
          'list-type': '2',
          prefix: this.prefix + prefix,
          'max-keys': String(clampListLimit(options.limit)),
          ...(options.startAfter !== undefined ? { 'start-after': this.prefix + options.startAfter } : {}),
        };
        return parseListResult(await (await this.rest.request('GET', { query }, { signal })).text());
      });
      const keys = out.objects.map((entry) => ({
        key: entry.key.slice(this.prefix.length),
        lastModified: entry.lastModified,
      }));
      const last = keys[keys.length - 1];
      return { keys, ...(out.truncated && last ? { cursor: last.key } : {}) };
    } catch (error) {
      throw this.translate('list', prefix, error, false);
    }
  }

  /**
   * Emulated conditional delete (stores that ignore `If-Match` on DELETE): HEAD and compare, then delete.
   * Not atomic: a write that lands between the HEAD and the DELETE is deleted. The orchestrator deletes
   * conditionally only hints, beats and tombstoned records, whose writers do not race a delete in that window.
   */
  private async assertCurrentEtag(key: string, expected: string): Promise<void> {
    try {
      const head = await this.send((signal) => this.rest.request('HEAD', this.prefix + key, { signal }));
      if (this.etagOf(head.headers.get('etag'), 'delete', key) !== expected)
        throw new PreconditionFailedError(key);
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw error;
      if (isNoSuchKey(error)) throw new PreconditionFailedError(key);
      throw this.translate('delete', key, error, false);
    }
  }

  /** One request under the retry policy, each attempt with its own deadline. */
  private send<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetry(() => request(AbortSignal.timeout(this.timeoutMs)), classifyS3Error, this.policy);
  }

  private condition(etag: string): string {
    return this.dialect === 'ceph-rgw' ? etag : `"${etag}"`;
  }

  private etagOf(etag: string | null | undefined, op: string, key: string): string {
    if (!etag)
      throw new OrchestratorError(`[orchestrator] [state:s3] ${op} ${key}: the response carried no ETag`);
    return stripQuotes(etag);
  }

  /**
   * `conditional`: the failed request carried `If-Match` / `If-None-Match`. Only then can its failure be a lost
   * precondition (412, or a `ConditionalRequestConflict` that outlasted the retries); the same codes on a request
   * without one, and every other 409, are store failures, so the port's "a lost precondition throws
   * PreconditionFailedError, nothing else" holds in both directions.
   */
  private translate(op: string, key: string, error: unknown, conditional: boolean): Error {
    if (error instanceof OrchestratorError) return error;
    const last = error instanceof RetriesExhausted ? error.last : error;
    if (conditional && isPreconditionFailed(last)) return new PreconditionFailedError(key, { cause: last });
    if (error instanceof RetriesExhausted) {
      if (conditional && isConditionalConflict(last))
        return new PreconditionFailedError(key, { cause: last });
      return new StoreUnavailableError(
        `[orchestrator] [state:s3] ${op} ${key} failed after ${error.attempts} attempts: ${describeS3Error(last)}`,
        { cause: last },
      );
    }
    return new OrchestratorError(`[orchestrator] [state:s3] ${op} ${key} failed: ${describeS3Error(error)}`, {
      cause: error,
    });
  }
}
