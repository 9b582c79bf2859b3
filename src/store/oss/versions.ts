import { ValidationError } from '../../errors';

/**
 * The object layout of the OSS store: each logical key is a series of immutable versions plus a head pointer.
 *
 *   <root><key>!v/0000000000000001    version 1 (created with x-oss-forbid-overwrite: the create is the CAS)
 *   <root><key>!v/0000000000000002    version 2 …
 *   <root>!head/<key>                 head pointer: the text of a recent seq; overwritten, may lag
 *
 * Why `!` and not `<key>/v/<seq>`: `list` must return logical keys in byte order, and with `/` the
 * versions of `beats/a` (`beats/a/v/…`) would sort after those of `beats/a-b` (`-` < `/`). `!` sorts below every
 * character a logical key may contain (logical keys may not contain `!`, space or control characters), so the
 * physical order of versions is the logical order of keys. Head pointers live in their own `!head/` namespace
 * so a listing of a key prefix never walks over them (they outlive the versions of deleted keys).
 *
 * A version's content is `=` followed by the body; a tombstone (delete) is an empty object. A listing therefore
 * tells a tombstone from data by size alone, with no extra request.
 *
 * @module
 */

export const SEQ_DIGITS = 16;
/** Versions younger than this are never deleted: no request is assumed to stall this long. */
export const PRUNE_AGE_MS = 60 * 60 * 1000;
/** The newest versions of a key are kept whatever their age. */
export const KEEP_VERSIONS = 3;
const VERSION_INFIX = '!v/';
const HEAD_NAMESPACE = '!head/';
const DATA_MARKER = '=';

/** Everything at or below `!` (0x21): the separator itself, space and control characters. */
const hasReserved = (key: string): boolean => {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) <= 0x21) return true;
  return false;
};

export const assertLogicalKey = (key: string, field = 'key', allowEmpty = false): void => {
  if ((key === '' && !allowEmpty) || hasReserved(key)) {
    throw new ValidationError(
      `[orchestrator] [state:oss] ${field} must be non-empty and contain no '!', space or control character`,
      field,
    );
  }
};

export const versionName = (root: string, key: string, seq: number): string =>
  `${root}${key}${VERSION_INFIX}${String(seq).padStart(SEQ_DIGITS, '0')}`;

export const versionPrefix = (root: string, key: string): string => `${root}${key}${VERSION_INFIX}`;

export const headName = (root: string, key: string): string => `${root}${HEAD_NAMESPACE}${key}`;

/**
 * The physical `start-after` that skips every version of logical keys ≤ `key`: `<key>!~` sorts after
 * `<key>!v/<any seq>` and before any longer logical key (whose next character is above `!`).
 */
export const afterAllVersionsOf = (root: string, key: string): string => `${root}${key}!~`;

/** `start-after` for a whole-store listing: skips the `!head/` namespace, which sorts first. */
export const afterHeadNamespace = (root: string): string => `${root}!~`;

/** Splits a physical name into its logical key and seq; `null` for anything that is not a version object. */
export const parseVersionName = (root: string, name: string): { key: string; seq: number } | null => {
  if (!name.startsWith(root)) return null;
  const rest = name.slice(root.length);
  const bang = rest.indexOf('!');
  if (bang <= 0) return null;
  const suffix = rest.slice(bang);
  if (suffix.length !== VERSION_INFIX.length + SEQ_DIGITS || !suffix.startsWith(VERSION_INFIX)) return null;
  const digits = suffix.slice(VERSION_INFIX.length);
  if (!/^\d+$/.test(digits)) return null;
  return { key: rest.slice(0, bang), seq: Number(digits) };
};

export const encodeVersion = (body: string): Buffer => Buffer.from(DATA_MARKER + body, 'utf8');

export const TOMBSTONE = Buffer.alloc(0);

export type Version = { tombstone: true } | { tombstone: false; body: string };

export const decodeVersion = (content: Buffer): Version =>
  content.length === 0
    ? { tombstone: true }
    : { tombstone: false, body: content.subarray(1).toString('utf8') };

/** The etag callers see is the version's seq; anything else can never match. */
export const parseEtag = (etag: string): number | undefined =>
  /^[1-9]\d{0,15}$/.test(etag) ? Number(etag) : undefined;
