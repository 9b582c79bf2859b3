import type { OssBucket } from './oss-bucket';
import {
  afterAllVersionsOf,
  afterHeadNamespace,
  headName,
  KEEP_VERSIONS,
  PRUNE_AGE_MS,
  parseVersionName,
  versionPrefix,
} from './oss-versions';
import { clampListLimit, type ListedKey, type ListOptions, type ListPage } from './port';

/**
 * Listing and pruning for the versioned OSS store.
 *
 * `list` walks the version objects under the prefix (one ListObjectsV2 request per 1,000 *versions*, not keys)
 * and folds each run of versions into its logical key: the newest listed version decides whether the key is
 * live (data) or deleted (an empty tombstone), and gives `lastModified`. Cost: about (live keys × versions kept
 * + recently deleted keys × their versions) / 1,000 requests per full listing; pruning keeps that near
 * 3–4 objects per live key. A listing may lag on OSS, so `list` can briefly miss a new key or show a deleted
 * one; `get` is the authoritative read.
 *
 * On the way, `list` deletes what it is allowed to (for at most 100 keys per call): versions older than the
 * prune age that are not among a key's newest three, and every version of a key whose newest version is a
 * tombstone older than the prune age (its head pointer stays, outside the listed namespace, so a later create
 * continues the sequence). Deleting only versions at or below the newest *listed* one is safe even when the
 * listing lags.
 *
 * @module
 */

interface ListedVersion {
  name: string;
  seq: number;
  size: number;
  lastModified: number;
}

interface Group {
  key: string;
  versions: ListedVersion[];
}

/** Version objects a listing may delete, and the newest seq of their key (kept, and written to the head first). */
interface Prunable {
  key: string;
  newest: number;
  names: string[];
}

const PAGE = 1000;
/** Pruning is housekeeping: it may not turn one listing into thousands of requests. */
const MAX_KEYS_PRUNED_PER_LIST = 100;
const HEAD_WRITE_CONCURRENCY = 10;

export async function listLogicalKeys(
  bucket: OssBucket,
  root: string,
  prefix: string,
  options: ListOptions,
  now: number,
): Promise<ListPage> {
  const limit = clampListLimit(options.limit);
  const startAfter = options.startAfter
    ? afterAllVersionsOf(root, options.startAfter)
    : prefix === ''
      ? afterHeadNamespace(root)
      : undefined;
  const keys: ListedKey[] = [];
  const garbage: Prunable[] = [];
  let group: Group | undefined;
  let token: string | undefined;
  do {
    const page = await bucket.listPage(root + prefix, { startAfter, token, maxKeys: PAGE });
    for (const object of page.objects) {
      const parsed = parseVersionName(root, object.name);
      if (!parsed) continue;
      if (group && group.key !== parsed.key) {
        settle(group, keys, garbage, now);
        group = undefined;
        // Another key follows, so a cursor is honest: the caller will come back for it.
        if (keys.length >= limit) {
          await sweep(bucket, root, garbage);
          return { keys, cursor: keys[keys.length - 1]!.key };
        }
      }
      group ??= { key: parsed.key, versions: [] };
      group.versions.push({
        name: object.name,
        seq: parsed.seq,
        size: object.size,
        lastModified: Date.parse(object.lastModified),
      });
    }
    token = page.next;
  } while (token);
  if (group) settle(group, keys, garbage, now);
  await sweep(bucket, root, garbage);
  return { keys };
}

const settle = (group: Group, keys: ListedKey[], garbage: Prunable[], now: number): void => {
  const newest = group.versions[group.versions.length - 1]!;
  const old = (version: ListedVersion) => version.lastModified < now - PRUNE_AGE_MS;
  if (newest.size > 0) keys.push({ key: group.key, lastModified: newest.lastModified });
  const dead = newest.size === 0 && old(newest);
  const names = group.versions
    .filter((version) => dead || (version.seq <= newest.seq - KEEP_VERSIONS && old(version)))
    .map((version) => version.name);
  if (names.length > 0) garbage.push({ key: group.key, newest: newest.seq, names });
};

/**
 * Deletes what `settle` found, best effort (a failure leaves garbage for the next listing, never a wrong
 * answer). Each key's head pointer is written first, with the newest listed seq: a reader that finds no head
 * probes from version 1, which must therefore never be deleted from a key without a head, and a deleted key's
 * head is what makes a later create continue the sequence instead of reusing old etags.
 */
const sweep = async (bucket: OssBucket, root: string, garbage: Prunable[]): Promise<void> => {
  const doomed: string[] = [];
  const batch = garbage.slice(0, MAX_KEYS_PRUNED_PER_LIST);
  for (let i = 0; i < batch.length; i += HEAD_WRITE_CONCURRENCY) {
    await Promise.all(
      batch.slice(i, i + HEAD_WRITE_CONCURRENCY).map(async (prunable) => {
        try {
          await bucket.overwrite(headName(root, prunable.key), Buffer.from(String(prunable.newest)));
          doomed.push(...prunable.names);
        } catch {
          // no head, no pruning for this key
        }
      }),
    );
  }
  if (doomed.length > 0) await bucket.deleteAll(doomed).catch(() => undefined);
};

/** Every listed version of one key, oldest first. */
async function listVersions(bucket: OssBucket, root: string, key: string): Promise<ListedVersion[]> {
  const versions: ListedVersion[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.listPage(versionPrefix(root, key), { token, maxKeys: PAGE });
    for (const object of page.objects) {
      const parsed = parseVersionName(root, object.name);
      if (parsed?.key !== key) continue;
      versions.push({
        name: object.name,
        seq: parsed.seq,
        size: object.size,
        lastModified: Date.parse(object.lastModified),
      });
    }
    token = page.next;
  } while (token);
  return versions;
}

/**
 * After creating version `newest` and writing it to the head: delete this key's versions older than the prune
 * age, keeping the newest three.
 */
export async function pruneVersions(
  bucket: OssBucket,
  root: string,
  key: string,
  newest: number,
  now: number,
): Promise<void> {
  const versions = await listVersions(bucket, root, key);
  const doomed = versions.filter(
    (version) => version.seq <= newest - KEEP_VERSIONS && version.lastModified < now - PRUNE_AGE_MS,
  );
  if (doomed.length > 0) await bucket.deleteAll(doomed.map((version) => version.name)).catch(() => undefined);
}

/** The highest seq a listing shows for `key` (0 if none): only ever a starting point for HEAD probes. */
export async function highestListedSeq(bucket: OssBucket, root: string, key: string): Promise<number> {
  const versions = await listVersions(bucket, root, key);
  return versions.reduce((highest, version) => Math.max(highest, version.seq), 0);
}
