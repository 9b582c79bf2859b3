/**
 * Schema versions of the documents the lifecycle keeps rewriting: every one of them carries `schema_version`, so a
 * release can tell the shapes it knows from the ones it does not.
 *
 * - Reading a document without `schema_version` (written before versions existed) runs the migrations from version
 *   0 in memory; the next write of it stores the migrated shape. Nothing rewrites the bucket in bulk.
 * - Reading a document whose version is newer than this code knows throws `SchemaVersionError`: an older release
 *   (a rollback) must refuse a shape it would misread, and must never write its own idea of it back.
 *
 * Which documents are versioned, and why the others are not:
 * - `workers/<name>.json` (records and tombstones), `teams/<team>.json`, `locks/sweeper`, `secrets/<name>/<uid>.json`,
 *   `webhooks/endpoints.json`, `secrets/_webhooks.json` and `schedules/labels.json`: read-modify-written by every release for as long as the deployment lives, so their shape is what an upgrade
 *   changes. (The env values' candidates were plain strings once; `secrets.ts` still reads those as old values.)
 * - `meta/deployment.json` and `secrets/_deployment.json` (the HMAC key): written once, create-only, never
 *   rewritten; their fields are fixed for the deployment's life (a new id would orphan every tagged resource, a new
 *   key would void every env fingerprint), so a change there would be a new document, not a new version.
 * - `events/…`: immutable history removed after `EVENT_RETENTION_DAYS`; never rewritten, so nothing to migrate.
 * - `beats/<name>`: a cache of the last heartbeat, rewritten by the running release every few minutes.
 * - `due/…` hints: empty objects whose meaning is all in the key.
 * - `locks/sweeper-roster`: a cache the full scan rebuilds whenever it cannot read it.
 * - `outbox/…` entries and `idempotency/…` answers: each lives a day at most (delivered or dead-lettered, expired),
 *   so a release reads only what it or its predecessor of that day wrote; dead letters are kept as they were sent.
 *
 * To change a versioned shape: bump its number below and append the step that turns the previous version into the
 * new one; the fixtures of the old shape in `test/lifecycle/persistence/fixtures/` must keep reading.
 *
 * @module
 */

import { SchemaVersionError } from '../../errors';

/** A document kind's migrations: step `i` turns version `i` into version `i + 1`. */
type Migration = (document: Record<string, unknown>) => Record<string, unknown>;

/** Version 0 is every document written before `schema_version` existed; version 1 is the same shape, labelled. */
const labelled: Migration = (document) => document;

const MIGRATIONS = {
  worker: [labelled],
  team: [labelled],
  sweeper_lock: [labelled],
  secrets: [labelled],
  webhook_endpoints: [labelled],
  webhook_secrets: [labelled],
  label_schedules: [labelled],
} as const satisfies Record<string, readonly Migration[]>;

export type DocumentKind = keyof typeof MIGRATIONS;

/** The version this code writes for each kind: one past its last migration. */
export const SCHEMA_VERSIONS: Record<DocumentKind, number> = {
  worker: MIGRATIONS.worker.length,
  team: MIGRATIONS.team.length,
  sweeper_lock: MIGRATIONS.sweeper_lock.length,
  secrets: MIGRATIONS.secrets.length,
  webhook_endpoints: MIGRATIONS.webhook_endpoints.length,
  webhook_secrets: MIGRATIONS.webhook_secrets.length,
  label_schedules: MIGRATIONS.label_schedules.length,
};

/** What every versioned document carries once read or written by this code. */
export interface SchemaVersioned {
  /** Set by persistence on every write and by `upgradeDocument` on every read; never by domain code. */
  schema_version?: number;
}

/**
 * A stored document as this code understands it: migrated from an older version in memory, or refused when it
 * is newer than this code (`key` names it in the error).
 */
export function upgradeDocument<T>(kind: DocumentKind, key: string, stored: unknown): T {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new SchemaVersionError(`${key} is not a JSON object; it was not written by the orchestrator`);
  }
  const raw = stored as Record<string, unknown>;
  const known = SCHEMA_VERSIONS[kind];
  const version = raw.schema_version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new SchemaVersionError(
      `${key} has schema_version ${JSON.stringify(version)}, not a version number`,
    );
  }
  if (version > known) {
    throw new SchemaVersionError(
      `${key} has schema_version ${version}, but this release reads ${kind} documents up to version ${known}: a newer release wrote it. Roll forward to that release (or a later one); a rollback cannot read it`,
    );
  }
  let document = raw;
  for (const step of MIGRATIONS[kind].slice(version)) document = step(document);
  return { ...document, schema_version: known } as T;
}

/** The value about to be written, labelled with the version this code writes. */
export const labelWithVersion = <T extends object>(kind: DocumentKind, draft: T): T => ({
  ...draft,
  schema_version: SCHEMA_VERSIONS[kind],
});
