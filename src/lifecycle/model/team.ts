/**
 * The stored team record: settings, key hashes and the quota's name reservations (`teams/<team>.json`).
 *
 * @module
 */

export interface TeamKey {
  id: string;
  hash: string;
  created_at: string;
}

export interface TeamRecord {
  name: string;
  created_at: string;
  max_workers: number;
  /** Images a team key may use; an empty list allows none but the default image. */
  allowed_images: string[];
  /** Longest lifetime a team key may give a worker; absent = team workers need no lifetime. */
  max_ttl_seconds?: number;
  keys: TeamKey[];
  /** Worker names holding (or reserving) a slot of the quota, with the incarnation that holds it. */
  members: Record<string, { reserved_at: string; uid?: string }>;
  /** The record's shape version (see `schema.ts`): set by persistence on every read and write. */
  schema_version?: number;
  write_id: string;
}
