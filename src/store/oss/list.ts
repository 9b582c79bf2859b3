import { clampListLimit, type ListedKey, type ListOptions, type ListPage } from '../port';
import type { OssBucket } from './bucket';
import {
  afterAllVersionsOf,
  afterHeadNamespace,
  headName,
  KEEP_VERSIONS,
  PRUNE_AGE_MS,
  parseVersionName,
  versionPrefix,
} from './versions';

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
 * continues the sequence; only in the `due/` and `events/` namespaces, whose keys are never written again, does
 * the head go too, one listing later, see `sweep`). Deleting only versions at or below the newest *listed* one
 * is safe even when the listing lags.
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
  /** `names` is the lone tombstone of a write-once key: it goes with its head pointer (see `sweep`). */
  dropHead: boolean;
}

/**
 * Namespaces (see `layout.ts`) whose keys carry a unique id and are written once, then deleted: hints
 * (`due/<time>/<name>/<write_id>`) and the event log (`events/<name>/<time>-<uid>-<seq>.json`, create-only).
 * Without dropping their heads, every hint ever written would leave one `!head/` object behind forever.
 */
const WRITE_ONCE_NAMESPACES = ['due/', 'events/'];
const isWriteOnce = (key: string): boolean =>
  WRITE_ONCE_NAMESPACES.some((namespace) => key.startsWith(namespace));

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
  if (dead && isWriteOnce(group.key)) {
    // Two stages (see `sweep`): first every version but the tombstone, then the lone tombstone with the head.
    const dropHead = group.versions.length === 1;
    const names = (dropHead ? group.versions : group.versions.slice(0, -1)).map((version) => version.name);
    garbage.push({ key: group.key, newest: newest.seq, names, dropHead });
    return;
  }
  const names = group.versions
    .filter((version) => dead || (version.seq <= newest.seq - KEEP_VERSIONS && old(version)))
    .map((version) => version.name);
  if (names.length > 0) garbage.push({ key: group.key, newest: newest.seq, names, dropHead: false });
};

/**
 * Deletes what `settle` found, best effort (a failure leaves garbage for the next listing, never a wrong
 * answer). Each key's head pointer is written first, with the newest listed seq: a reader that finds no head
 * probes from version 1, which must therefore never be deleted from a key without a head, and a deleted key's
 * head is what makes a later create continue the sequence instead of reusing old etags.
 *
 * Why a dead key's head is kept in general, even once all its versions are gone: OSS has no conditional delete,
 * so nothing stops a writer from re-creating the key meanwhile, and the head is its only safe starting point.
 * - A writer that read the head (n) just before it is deleted finds version n gone, reads the head again and
 *   may still see n; it probes n+1 (404) and creates n+1. Then the head is deleted under it: readers, starting
 *   from 1 without a head, find nothing and report the key absent. The version is lost, and the next create
 *   starts at 1 again.
 * - Without a head a re-created key restarts at version 1, reusing a name that a pruner working from an older
 *   or lagging listing still holds in its delete batch: its DeleteMultipleObjects removes the new version 1.
 * - Restarting at 1 also reuses etags, so a caller's old etag could match a new value.
 * So heads go only in the `due/` and `events/` namespaces, whose keys are never written again once deleted:
 * none of those writers exists there. Were such a key re-created after all, the worst case is one lost hint or
 * event object, never a record.
 *
 * Even there the head goes in a second stage, together with the tombstone, once a listing shows the tombstone
 * as the key's only version: if an older data version survived (a failed or partly failed delete) while the
 * tombstone and the head went, a reader probing from 1 would find that data again. With the tombstone alone,
 * any outcome of the last delete reads absent: a surviving tombstone ends the probe, a surviving head names a
 * missing version (the state every dead key had before), and the next listing finishes the job.
 */
const sweep = async (bucket: OssBucket, root: string, garbage: Prunable[]): Promise<void> => {
  const doomed: string[] = [];
  const batch = garbage.slice(0, MAX_KEYS_PRUNED_PER_LIST);
  for (const prunable of batch) {
    // A lone tombstone needs no head to stay absent, so it is not written only to be deleted.
    if (prunable.dropHead) doomed.push(...prunable.names, headName(root, prunable.key));
  }
  const kept = batch.filter((prunable) => !prunable.dropHead);
  for (let i = 0; i < kept.length; i += HEAD_WRITE_CONCURRENCY) {
    await Promise.all(
      kept.slice(i, i + HEAD_WRITE_CONCURRENCY).map(async (prunable) => {
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
