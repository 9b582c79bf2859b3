/**
 * The record repository: typed reads and compare-and-swap writes of everything the lifecycle persists.
 *
 * Two ordering rules live here so no caller can forget them:
 * - a `due/` hint is written BEFORE any record write that makes the worker's next deadline earlier (the sweeper's
 *   invariant: every record has a hint at or before its next deadline);
 * - an event is written AFTER the record write that made its transition, under a create-only key derived from
 *   the transition's sequence number, so a retried write cannot log it twice.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { type CasResult, casUpdate, type Draft, newWriteId, type Read, readJson } from '../../store/cas';
import { clampListLimit, type ObjectStore } from '../../store/port';
import type { Beat, StoredWorker, TeamRecord, WorkerEvent, WorkerRecord } from '../model';
import { CasDocument } from './document';
import { type DeploymentMeta, layout } from './layout';
import { SweeperStorage } from './sweeper-storage';

export type { DeploymentMeta } from './layout';

/** One stored env value and when it was added. */
interface SecretCandidate {
  value: string;
  at: number;
}

/** Env values of one incarnation. Several candidates per name survive concurrent PATCHes; the HMAC picks one. */
interface SecretsDoc {
  env: Record<string, (SecretCandidate | string)[]>;
  write_id: string;
}

/** Candidates by env name; plain strings (written before candidates carried a time) count as old. */
function candidatesOf(doc: SecretsDoc | null): Map<string, SecretCandidate[]> {
  return new Map(
    Object.entries(doc?.env ?? {}).map(([key, list]) => [
      key,
      list.map((c) => (typeof c === 'string' ? { value: c, at: 0 } : c)),
    ]),
  );
}

/** Listing calls one page of events may take while skipping other incarnations' events. */
const MAX_EVENT_LIST_CALLS = 10;

export type DeadlineOf = (record: WorkerRecord) => number | undefined;

export interface EventPage {
  events: WorkerEvent[];
  cursor?: string;
}

/** Whether `written` carries a transition that `previous` (what its write replaced) did not. */
const madeTransition = (written: StoredWorker, previous: StoredWorker | null): boolean =>
  previous === null || previous.uid !== written.uid || written.event_seq > previous.event_seq;

/** How many event keys a repository remembers having written (a warm instance lives for many requests). */
const LOGGED_EVENTS_KEPT = 256;

/** The create-only key of the event for a record's `last_transition`. */
const eventKeyOf = (record: StoredWorker): string =>
  layout.event(record.name, Date.parse(record.last_transition.at), record.uid, record.event_seq);

export class WorkerRepository {
  constructor(
    readonly store: ObjectStore,
    private readonly deadlineOf: DeadlineOf = () => undefined,
  ) {
    this.sweeper = new SweeperStorage(store);
  }

  /** What only the sweeper reads and writes (its lease, tombstones, the hint index). */
  readonly sweeper: SweeperStorage;

  /** The same repository over another view of its store (a sweeper run counts its calls through a wrapper). */
  over(store: ObjectStore): WorkerRepository {
    return new WorkerRepository(store, this.deadlineOf);
  }

  /** The names of the stored teams, in name order, at most `max` of them. */
  async listTeamNames(max: number): Promise<string[]> {
    const prefix = layout.teamsPrefix;
    const names: string[] = [];
    let startAfter: string | undefined;
    do {
      const page = await this.store.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
      for (const { key } of page.keys) {
        if (key.endsWith('.json')) names.push(key.slice(prefix.length, -'.json'.length));
      }
      startAfter = page.cursor;
    } while (startAfter && names.length < max);
    return names.slice(0, max);
  }

  /** A team's record: settings, key hashes and quota reservations. */
  team(team: string): CasDocument<TeamRecord> {
    return new CasDocument<TeamRecord>(this.store, layout.team(team));
  }

  read(name: string): Promise<Read<StoredWorker> | null> {
    return readJson<StoredWorker>(this.store, layout.worker(name));
  }

  /**
   * Compare-and-swap on `workers/<name>.json`. `mutate` sees the current record, tombstone or `null` and returns
   * the next one, or `undefined` to leave it alone.
   */
  async mutate(
    name: string,
    mutate: (current: StoredWorker | null) => Draft<StoredWorker> | undefined,
  ): Promise<CasResult<StoredWorker>> {
    let previous: StoredWorker | null = null;
    const result = await casUpdate<StoredWorker>(this.store, layout.worker(name), mutate, {
      beforeWrite: async (next, current) => {
        previous = current;
        await Promise.all([
          this.fileHintIfEarlier(next, current),
          current && madeTransition(next, current) ? this.ensureEventFor(current) : undefined,
        ]);
      },
    });
    const written = result.value;
    // Only a write that made a transition has an event to log: its sequence moved, or it is a new incarnation
    // (whose sequence starts again at 1, below that of the tombstone it replaced).
    if (result.changed && written && madeTransition(written, previous)) {
      await this.ensureEventFor(written).catch(() => {
        // The record is the truth: the next transition's writer, or the sweeper's full scan, writes it.
      });
    }
    return result;
  }

  /**
   * The event of a transition this instance has not itself logged. Called for the transition a write is about to
   * replace, BEFORE that write: a writer that dies between its record write and its event leaves a gap only in
   * the LAST transition, which the full scan re-emits; every earlier one was made sure of by the writer after it.
   * Remembering what this instance logged spares the extra request for a function's own consecutive transitions.
   */
  private async ensureEventFor(record: StoredWorker): Promise<void> {
    const key = eventKeyOf(record);
    if (this.logged.has(key)) return;
    await this.appendEventFor(record);
    this.logged.add(key);
    // A warm function instance serves many requests: only its most recent writes are worth remembering.
    if (this.logged.size > LOGGED_EVENTS_KEPT) this.logged.delete(this.logged.values().next().value!);
  }

  /** Event keys this instance wrote (or found written), oldest first. */
  private readonly logged = new Set<string>();

  private async fileHintIfEarlier(next: StoredWorker, previous: StoredWorker | null): Promise<void> {
    if (next.kind !== 'worker') return;
    const nextAt = this.deadlineOf(next);
    const previousAt = previous?.kind === 'worker' ? this.deadlineOf(previous) : undefined;
    if (nextAt !== undefined && (previousAt === undefined || nextAt < previousAt)) {
      await this.putHint(nextAt, next.name, next.write_id);
      return;
    }
    // A write that takes a new lease always files a hint at its expiry. The comparison above trusts a hint at
    // the previous deadline, but when that deadline is already past its hint may have been processed and
    // re-filed later by the sweeper's backoff; the re-drive after this holder dies must not wait for it.
    const leaseTaken =
      next.op !== undefined && (previous?.kind !== 'worker' || previous.op?.id !== next.op.id);
    if (leaseTaken) await this.putHint(Date.parse(next.op!.expires_at), next.name, next.write_id);
  }

  /** Writes the event for the record's `last_transition`; idempotent (create-only key per transition). */
  async appendEventFor(record: StoredWorker): Promise<void> {
    const t = record.last_transition;
    const event: WorkerEvent = {
      at: t.at,
      name: record.name,
      uid: record.uid,
      seq: record.event_seq,
      from: t.from,
      to: t.to,
      reason: t.reason,
      actor: t.actor,
      generation: record.kind === 'worker' ? record.spec_generation : 0,
      ...(t.message ? { message: t.message } : {}),
    };
    const key = eventKeyOf(record);
    try {
      await this.store.put(key, JSON.stringify(event), { ifNoneMatch: '*' });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }

  /**
   * An event that is not a transition (a credential issuance): no record write, a key unique to this call.
   */
  async appendNote(
    record: { name: string; uid: string; phase: string; spec_generation: number },
    note: {
      at: string;
      reason: WorkerEvent['reason'];
      actor: string;
      message?: string;
    },
  ): Promise<void> {
    const event: WorkerEvent = {
      at: note.at,
      name: record.name,
      uid: record.uid,
      seq: 0,
      from: record.phase as WorkerEvent['from'],
      to: record.phase as WorkerEvent['to'],
      reason: note.reason,
      actor: note.actor,
      generation: record.spec_generation,
      ...(note.message ? { message: note.message } : {}),
    };
    const key = layout.note(record.name, Date.parse(note.at), record.uid, newWriteId().slice(0, 8));
    await this.store.put(key, JSON.stringify(event), { ifNoneMatch: '*' });
  }

  async hasEventFor(record: StoredWorker): Promise<boolean> {
    return (await this.store.get(eventKeyOf(record))) !== null;
  }

  /**
   * A page of one worker's history, newest first. With `uid`, only that incarnation's events: a name created
   * again must not show the previous owner's history. The uid is part of every event key, so other incarnations'
   * events are skipped without being read; a page may then take a few listing calls, or come back short.
   */
  async listEvents(
    name: string,
    options: { cursor?: string; limit?: number; uid?: string } = {},
  ): Promise<EventPage> {
    const prefix = layout.eventsPrefix(name);
    const limit = clampListLimit(options.limit ?? 50);
    const keys: string[] = [];
    let startAfter = options.cursor ? prefix + options.cursor : undefined;
    let more: string | undefined;
    for (let calls = 0; calls < MAX_EVENT_LIST_CALLS; calls++) {
      // Never more keys than still fit the page, so the listing's cursor is exactly where this page stops.
      const page = await this.store.list(prefix, {
        limit: limit - keys.length,
        ...(startAfter ? { startAfter } : {}),
      });
      for (const key of page.keys) {
        if (options.uid === undefined || layout.isEventOf(key.key, name, options.uid)) keys.push(key.key);
      }
      more = page.cursor;
      if (!more || keys.length >= limit) break;
      startAfter = more;
    }
    const events = await Promise.all(keys.map((key) => readJson<WorkerEvent>(this.store, key)));
    return {
      events: events.flatMap((e) => (e ? [e.value] : [])),
      ...(more ? { cursor: more.slice(prefix.length) } : {}),
    };
  }

  async deleteEvents(name: string, olderThanMs: number): Promise<number> {
    let removed = 0;
    let startAfter: string | undefined;
    const prefix = layout.eventsPrefix(name);
    do {
      const page = await this.store.list(prefix, startAfter ? { startAfter } : {});
      for (const key of page.keys) {
        if (key.lastModified < olderThanMs) {
          await this.store.delete(key.key);
          removed++;
        }
      }
      startAfter = page.cursor;
    } while (startAfter);
    return removed;
  }

  /** Lists worker names (records and tombstones) in name order. */
  async listNames(options: { startAfter?: string; limit?: number } = {}) {
    const page = await this.store.list(layout.workersPrefix, {
      limit: clampListLimit(options.limit),
      ...(options.startAfter ? { startAfter: layout.worker(options.startAfter) } : {}),
    });
    return {
      names: page.keys.map((k) => ({ name: layout.nameOfWorkerKey(k.key), lastModified: k.lastModified })),
      ...(page.cursor ? { cursor: layout.nameOfWorkerKey(page.cursor) } : {}),
    };
  }

  // --- secrets -------------------------------------------------------------------------------------------

  async addSecretCandidates(
    name: string,
    uid: string,
    env: Record<string, string>,
    now = Date.now(),
  ): Promise<void> {
    if (Object.keys(env).length === 0) return;
    await casUpdate<SecretsDoc>(this.store, layout.secrets(name, uid), (current) => {
      // A Map, not an object: env names such as `constructor` or `__proto__` must stay plain keys.
      const merged = candidatesOf(current);
      for (const [key, value] of Object.entries(env)) {
        // A value given again is fresh again: pruning must not drop it as superseded.
        const others = (merged.get(key) ?? []).filter((c) => c.value !== value);
        const previous = (merged.get(key) ?? []).find((c) => c.value === value);
        merged.set(key, [...others, { value, at: Math.max(previous?.at ?? 0, now) }]);
      }
      return { env: Object.fromEntries(merged) };
    });
  }

  async readSecretCandidates(name: string, uid: string): Promise<Record<string, string[]>> {
    const doc = (await readJson<SecretsDoc>(this.store, layout.secrets(name, uid)))?.value ?? null;
    return Object.fromEntries([...candidatesOf(doc)].map(([key, list]) => [key, list.map((c) => c.value)]));
  }

  /**
   * Drops superseded values (a rotated token must not linger): keeps the values in use and anything added after
   * `addedBefore`, which may belong to an update whose record write has not landed yet.
   */
  async pruneSecrets(
    name: string,
    uid: string,
    inUse: Record<string, string>,
    addedBefore: number,
  ): Promise<void> {
    await casUpdate<SecretsDoc>(this.store, layout.secrets(name, uid), (current) => {
      if (!current) return undefined;
      const used = new Map(Object.entries(inUse));
      let dropped = false;
      const kept = [...candidatesOf(current)].flatMap(([key, list]) => {
        const keep = list.filter((c) => used.get(key) === c.value || c.at >= addedBefore);
        dropped ||= keep.length !== list.length;
        return keep.length ? [[key, keep] as const] : [];
      });
      return dropped ? { env: Object.fromEntries(kept) } : undefined;
    });
  }

  deleteSecrets(name: string, uid: string): Promise<void> {
    return this.store.delete(layout.secrets(name, uid));
  }

  // --- beats ---------------------------------------------------------------------------------------------

  async readBeat(name: string): Promise<Beat | null> {
    return (await readJson<Beat>(this.store, layout.beat(name)))?.value ?? null;
  }

  /** The beat with its etag, for a write conditional on what was read. */
  readBeatVersioned(name: string): Promise<Read<Beat> | null> {
    return readJson<Beat>(this.store, layout.beat(name));
  }

  /**
   * Writes the beat only over the version read (`etag`), or only where there was none (`null`): `false` when
   * another report wrote first.
   */
  async writeBeat(name: string, beat: Beat, etag: string | null): Promise<boolean> {
    try {
      await this.store.put(
        layout.beat(name),
        JSON.stringify(beat),
        etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag },
      );
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Deletes the beat of one incarnation only: a beat written meanwhile by a re-created worker of the same name
   * (another uid, or a newer version) is left alone.
   */
  async deleteBeat(name: string, uid?: string): Promise<void> {
    const beat = await readJson<Beat>(this.store, layout.beat(name));
    if (!beat || (uid !== undefined && beat.value.uid !== uid)) return;
    await this.store.delete(layout.beat(name), { ifMatch: beat.etag }).catch((error) => {
      if (!(error instanceof PreconditionFailedError)) throw error;
    });
  }

  /** Beats in name order, each with the store's time of its last write; the cursor is opaque. */
  async listBeats(options: { startAfter?: string; limit?: number } = {}) {
    const page = await this.store.list(layout.beatsPrefix, {
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    return {
      beats: page.keys.map((k) => ({
        name: k.key.slice(layout.beatsPrefix.length),
        lastModified: k.lastModified,
      })),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  }

  // --- due hints -----------------------------------------------------------------------------------------

  async putHint(atMs: number, name: string, writeId: string = newWriteId()): Promise<string> {
    const key = layout.hint(atMs, name, writeId);
    await this.store.put(key, '');
    return key;
  }

  listHintsUpTo(atMs: number, options: { startAfter?: string; limit?: number } = {}) {
    return this.store
      .list(layout.hintsPrefix, {
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
        ...(options.limit ? { limit: options.limit } : {}),
      })
      .then((page) => {
        const last = layout.hintsUpTo(atMs);
        const keys = page.keys.filter((k) => k.key < last);
        return { keys, ...(page.cursor && keys.length === page.keys.length ? { cursor: page.cursor } : {}) };
      });
  }

  deleteHint(key: string): Promise<void> {
    return this.store.delete(key);
  }

  // --- deployment ----------------------------------------------------------------------------------------

  /** Reads `meta/deployment.json`, creating it (create-only, so concurrent first starts agree) if absent. */
  async deployment(now: () => number): Promise<DeploymentMeta> {
    const existing = await readJson<DeploymentMeta>(this.store, layout.deployment);
    if (existing) return existing.value;
    const meta: DeploymentMeta = {
      deployment_id: `d${crypto.randomUUID().replace(/-/g, '').slice(0, 11)}`,
      created_at: new Date(now()).toISOString(),
    };
    try {
      await this.store.put(layout.deployment, JSON.stringify(meta), { ifNoneMatch: '*' });
      return meta;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      return (await readJson<DeploymentMeta>(this.store, layout.deployment))!.value;
    }
  }

  /** The deployment's HMAC key for env values; kept under `secrets/` (readable by lifecycle and sweeper only). */
  async hmacKey(): Promise<string> {
    const existing = await readJson<{ key: string }>(this.store, layout.hmacKey);
    if (existing) return existing.value.key;
    const key = [...crypto.getRandomValues(new Uint8Array(32))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    try {
      await this.store.put(layout.hmacKey, JSON.stringify({ key }), { ifNoneMatch: '*' });
      return key;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      return (await readJson<{ key: string }>(this.store, layout.hmacKey))!.value.key;
    }
  }
}
