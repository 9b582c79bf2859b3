/**
 * EXPERIMENTAL — the state store on Alibaba Cloud OSS, until the race tests have passed against real OSS.
 *
 * OSS has no compare-and-swap on PutObject (`If-Match` → 400 `NotImplemented`); its only conditional write is
 * create-only (`x-oss-forbid-overwrite: true` → 409 `FileAlreadyExists`). So each logical key is a series of
 * immutable versions (`oss-versions.ts`), and a write is "create version n+1": of several writers that read
 * version n, exactly one creates n+1 and the others get 409. The etag callers see is the version's seq.
 *
 *   read:   GET head → n (may lag) · GET version n · HEAD n+1, n+2, … until 404 → the last one is current
 *   write:  put(ifMatch n) = create n+1 · put(ifNoneMatch) = create the seq after "absent" · delete = tombstone
 *
 * GET and HEAD of one object are strongly consistent on OSS; listings are not promised to be, so a listing never
 * decides which version is current (it only lists logical keys and finds pruning candidates).
 *
 * Provider assumptions this rests on (stated in the README):
 * 1. `x-oss-forbid-overwrite: true` is atomic between concurrent creators of one new object: exactly one wins.
 *    OSS documents that the header has no effect on a versioned bucket, so the store refuses one (`ready`).
 * 2. No request stalls longer than the prune age (1 h): old versions are deleted, and a writer that read version
 *    n more than 10 s ago re-reads first, so a create of n+1 can never land on a pruned slot above a newer one.
 *
 * @module
 */
import { ConfigError, PreconditionFailedError, StoreUnavailableError } from '../../errors';
import type { DeleteOptions, ListOptions, ListPage, ObjectStore, PutOptions } from '../port';
import type { RetryPolicy } from '../retry';
import { OssBucket } from './bucket';
import { createOssClient, type OssClient } from './client';
import { highestListedSeq, listLogicalKeys, pruneVersions } from './list';
import { checkNeverVersioned } from './versioning';
import {
  assertLogicalKey,
  decodeVersion,
  encodeVersion,
  headName,
  KEEP_VERSIONS,
  parseEtag,
  TOMBSTONE,
  type Version,
  versionName,
} from './versions';

export interface OssStoreOptions {
  bucket: string;
  /** `oss-cn-hangzhou` style; required with or without `endpoint` (the V4 signature's scope names it). */
  region?: string;
  endpoint?: string;
  cname?: boolean;
  secure?: boolean;
  /** Required by ali-oss; on FC these are the function role's temporary credentials. */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  refreshCredentials?: () => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }>;
  /** Key prefix inside the bucket (the state prefix). Give it here rather than through `withPrefix`, so the head
   * pointers (`<prefix>!head/…`) stay inside it. */
  prefix?: string;
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
  /** A preconfigured client (tests). */
  client?: OssClient;
  /** Wall clock, epoch ms: version ages for pruning and the freshness of reads. */
  now?: () => number;
}

/** A read older than this is redone before a conditional write relies on it (far below the prune age). */
export const REREAD_AFTER_MS = 10_000;
/** A key's old versions are pruned after every 8th version: one listing per 8 writes. */
const PRUNE_EVERY = 8;
/** Unconditional writes and deletes retry lost creates this often before reporting contention. */
const MAX_CREATE_RACES = 10;
const MAX_OBSERVED = 10_000;
const MAX_LOCATE_RESTARTS = 3;
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

interface Located {
  /** The current seq (0: never written). */
  seq: number;
  /** The current body; `null` when absent (never written, tombstone, or a pruned dead key). */
  body: string | null;
}

interface Observation extends Located {
  at: number;
}

export class OssStore implements ObjectStore {
  readonly kind = 'oss';
  /** A delete is a create-only tombstone version: as atomic as any other write. */
  readonly atomicConditionalDelete = true;
  private readonly bucket: OssBucket;
  private readonly root: string;
  private readonly now: () => number;
  /** What this instance last saw as current per key, and when: lets a fresh read skip re-reading. */
  private readonly observed = new Map<string, Observation>();
  private readonly client: OssClient;
  private readonly bucketName: string;
  private readonly retryPolicy: RetryPolicy | undefined;
  /** The bucket's versioning check: run on first use, kept once it passed. */
  private unversioned: Promise<void> | undefined;
  /** A bucket found versioned stays refused: versioning can never be switched off. */
  private refusal: ConfigError | undefined;

  constructor(options: OssStoreOptions) {
    this.root = options.prefix ? options.prefix.replace(/\/*$/, '/') : '';
    this.now = options.now ?? Date.now;
    if (!options.client && !(options.credentials?.accessKeyId && options.credentials.accessKeySecret)) {
      throw new ConfigError(
        '[orchestrator] [state:oss] OSS credentials are required (an access key id and secret)',
      );
    }
    if (!options.client && !options.region) {
      throw new ConfigError(
        '[orchestrator] [state:oss] OSS_REGION is required (e.g. oss-cn-hangzhou), also with OSS_ENDPOINT: ' +
          'V4 signatures name the region',
      );
    }
    this.bucketName = options.bucket;
    this.retryPolicy = options.retry;
    this.client =
      options.client ??
      createOssClient({
        bucket: options.bucket,
        region: options.region!,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.cname ? { cname: true } : {}),
        ...(options.secure === undefined ? {} : { secure: options.secure }),
        accessKeyId: options.credentials?.accessKeyId ?? '',
        accessKeySecret: options.credentials?.accessKeySecret ?? '',
        ...(options.credentials?.securityToken ? { securityToken: options.credentials.securityToken } : {}),
        ...(options.refreshCredentials ? { refreshCredentials: options.refreshCredentials } : {}),
        timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      });
    this.bucket = new OssBucket(this.client, options.retry);
  }

  /**
   * Every operation waits for the bucket check (one GetBucketVersioning per instance, at its first store call,
   * i.e. at cold start): a versioned bucket refuses every call with a ConfigError naming the bucket, before
   * anything is written to it.
   */
  private ready(): Promise<void> {
    if (this.refusal) return Promise.reject(this.refusal);
    this.unversioned ??= checkNeverVersioned(this.client, this.bucketName, this.retryPolicy).then(
      (verdict) => {
        if (verdict.ok) return;
        this.refusal = verdict.refusal;
        throw verdict.refusal;
      },
      (error: unknown) => {
        this.unversioned = undefined; // unknown is not a verdict: ask again next time
        throw error;
      },
    );
    return this.unversioned;
  }

  async get(key: string) {
    assertLogicalKey(key);
    await this.ready();
    const current = await this.locate(key);
    return current.body === null ? null : { body: current.body, etag: String(current.seq) };
  }

  async put(key: string, body: string, options: PutOptions = {}) {
    assertLogicalKey(key);
    await this.ready();
    const content = encodeVersion(body);
    if (options.ifMatch !== undefined) {
      const seq = await this.expectCurrent(key, options.ifMatch);
      if (!(await this.createVersion(key, seq + 1, content))) throw new PreconditionFailedError(key);
      return { etag: String(seq + 1) };
    }
    const seq = await this.createAfter(key, content, options.ifNoneMatch === '*' ? 'absent' : 'any');
    return { etag: String(seq) };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    assertLogicalKey(key);
    await this.ready();
    if (options.ifMatch !== undefined) {
      const seq = await this.expectCurrent(key, options.ifMatch);
      if (!(await this.createVersion(key, seq + 1, TOMBSTONE))) throw new PreconditionFailedError(key);
      return;
    }
    await this.createAfter(key, TOMBSTONE, 'present');
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertLogicalKey(prefix, 'prefix', true);
    if (options.startAfter !== undefined) assertLogicalKey(options.startAfter, 'startAfter', true);
    await this.ready();
    return listLogicalKeys(this.bucket, this.root, prefix, options, this.now());
  }

  /**
   * The seq a conditional write may build on: the caller's etag, if it is still the live current version.
   * A fresh observation of exactly that version (≤ 10 s old) is trusted; anything older is re-read, because
   * after an hour the versions above it may have been created *and pruned*, and creating n+1 would then succeed
   * on top of a newer value.
   */
  private async expectCurrent(key: string, etag: string): Promise<number> {
    const seq = parseEtag(etag);
    if (seq === undefined) throw new PreconditionFailedError(key);
    const seen = this.freshObservation(key);
    if (seen && seen.seq === seq && seen.body !== null) return seq;
    const current = await this.locate(key);
    if (current.seq !== seq || current.body === null) throw new PreconditionFailedError(key);
    return seq;
  }

  /**
   * Creates the version after the current one. `absent`: only if the key does not exist (create-only put);
   * `present`: only if it does (unconditional delete, otherwise a no-op); `any`: always (plain put).
   * A fresh observation may name the seq to try, but a refusal or a no-op is only ever decided on a fresh read,
   * and a lost create race re-reads and tries again: a create-only put is refused only when the key exists.
   */
  private async createAfter(
    key: string,
    content: Buffer,
    when: 'absent' | 'present' | 'any',
  ): Promise<number> {
    for (let race = 0; race < MAX_CREATE_RACES; race++) {
      let current: Located | undefined = race === 0 ? this.freshObservation(key) : undefined;
      const writes = (state: Located) =>
        when === 'any' || (when === 'absent' ? state.body === null : state.body !== null);
      if (current && !writes(current)) current = undefined;
      current ??= await this.locate(key);
      if (!writes(current)) {
        if (when === 'absent') throw new PreconditionFailedError(key);
        return current.seq;
      }
      if (await this.createVersion(key, current.seq + 1, content)) return current.seq + 1;
    }
    throw new PreconditionFailedError(key);
  }

  private freshObservation(key: string): Located | undefined {
    const seen = this.observed.get(key);
    return seen && this.now() - seen.at <= REREAD_AFTER_MS ? seen : undefined;
  }

  /** The CAS itself. On success, moves the head pointer (best effort: a lagging head only costs HEAD probes). */
  private async createVersion(key: string, seq: number, content: Buffer): Promise<boolean> {
    const startedAt = this.now();
    if (!(await this.bucket.create(versionName(this.root, key, seq), content))) return false;
    this.observe(
      key,
      { seq, body: content.length === 0 ? null : content.subarray(1).toString('utf8') },
      startedAt,
    );
    try {
      await this.bucket.overwrite(headName(this.root, key), Buffer.from(String(seq)));
    } catch {
      return true; // the version exists; readers find it by probing past the old head
    }
    // Pruning only after our own head write succeeded: the head then names a version no pruner will take.
    if (seq > KEEP_VERSIONS && seq % PRUNE_EVERY === 0) {
      await pruneVersions(this.bucket, this.root, key, seq, this.now()).catch(() => undefined);
    }
    return true;
  }

  /** GET head → GET that version → HEAD the next ones until one is missing. */
  private async locate(key: string, restarts = 0): Promise<Located> {
    const startedAt = this.now();
    let pointer = await this.readHead(key);
    let base = pointer > 0 ? await this.readVersion(key, pointer) : null;
    if (pointer > 0 && base === null) {
      // A version the pointer named is gone: read again (the head may have moved on since).
      pointer = await this.readHead(key);
      base = pointer > 0 ? await this.readVersion(key, pointer) : null;
    }
    if (pointer > 0 && base === null) {
      // Still gone: pruned, because the key is deleted and dead, or because the head lags behind pruning. A
      // listing can offer a later starting point; it never decides, the HEAD probes below still do.
      const floor = await highestListedSeq(this.bucket, this.root, key);
      if (floor > pointer) {
        pointer = floor;
        base = await this.readVersion(key, floor);
      }
    }
    let seq = pointer;
    while (await this.bucket.exists(versionName(this.root, key, seq + 1))) seq++;
    if (seq !== pointer) {
      base = await this.readVersion(key, seq);
      // Only pruning removes a version, and never the newest: seeing it gone means this read stalled.
      if (base === null) {
        if (restarts >= MAX_LOCATE_RESTARTS) {
          throw new StoreUnavailableError(
            `[orchestrator] [state:oss] get ${key}: versions vanished while reading`,
          );
        }
        return this.locate(key, restarts + 1);
      }
    }
    const located = { seq, body: base && !base.tombstone ? base.body : null };
    this.observe(key, located, startedAt);
    return located;
  }

  private async readHead(key: string): Promise<number> {
    const content = await this.bucket.read(headName(this.root, key));
    const seq = content === null ? 0 : Number(content.toString('utf8'));
    return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  }

  private async readVersion(key: string, seq: number): Promise<Version | null> {
    const content = await this.bucket.read(versionName(this.root, key, seq));
    return content === null ? null : decodeVersion(content);
  }

  /** Bounded: the map only saves re-reads; losing an entry costs one read, never correctness. */
  private observe(key: string, located: Located, at: number): void {
    this.observed.delete(key);
    this.observed.set(key, { ...located, at });
    if (this.observed.size > MAX_OBSERVED) this.observed.delete(this.observed.keys().next().value!);
  }
}
