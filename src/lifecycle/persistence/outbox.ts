/**
 * Where webhook events wait to leave: `outbox/<name>/<time>-<seq>-<write id>.json`, one entry per event and the
 * endpoints it still owes; `outbox/_issued/<name>/…`, the same for `credentials.issued` alone;
 * `webhooks/dead/<endpoint>/<event id>.json`, what gave up after the retry window.
 *
 * Each folder is a queue, delivered in order on its own. `credentials.issued` has its own queue because the
 * worker-facing credentials function files it: that function may write only under `outbox/_issued/`, so it can
 * neither forge a worker's transition event nor overwrite (or, on OSS, read) an entry of a worker's own queue, and
 * the sweeper takes only `credentials.issued` from there. `_` cannot start a worker name, so the folder is no
 * worker's.
 *
 * Entries of one worker list in the order their transitions were made (time, then sequence), which is the order
 * they are delivered in. The write id in the key is the record write that made the transition: an entry is
 * written before that write and names it, so several attempts of one compare-and-swap leave distinct entries,
 * of which at most one is confirmed.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import {
  type CasResult,
  casUpdate,
  type Draft,
  newWriteId,
  type Read,
  readJson,
  type Versioned,
} from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import type { StoredWorker } from '../model';
import { layout } from './layout';

/** 13 digits of epoch milliseconds: lexicographic order is time order until the year 2286. */
const pad13 = (ms: number) => String(Math.max(0, ms)).padStart(13, '0');

type Transition = StoredWorker['last_transition'];

const OUTBOX = 'outbox/';
const DEAD = 'webhooks/dead/';

/** What one endpoint is still owed for one event. */
export interface DeliveryTarget {
  attempts: number;
  /** Epoch ms before which no new attempt is made (backoff). */
  next_at_ms?: number;
  last_error?: string;
}

/** The event as it is sent: the Standard Webhooks payload shape (`type`, `timestamp`, `data`). */
export interface OutboxEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface OutboxEntry extends Versioned {
  event: OutboxEvent;
  name: string;
  /** The transition this entry reports, compared with the committed one before anything is sent. */
  claim?: { uid: string; seq: number; transition: Transition };
  /** False until the transition is known to be committed (entries that report no record write start true). */
  confirmed: boolean;
  created_ms: number;
  /** Endpoint id → what it is still owed; the entry is deleted once this is empty. */
  targets: Record<string, DeliveryTarget>;
}

export interface DeadLetter {
  event: OutboxEvent;
  endpoint_id: string;
  attempts: number;
  last_error: string;
  dead_at: string;
}

/** What the record repository tells the outbox about each write (implemented by `lifecycle/outbox`). */
export interface TransitionListener {
  /** Before the write that makes a transition: file the entries it owes (a failure aborts the write). */
  beforeWrite(next: StoredWorker, previous: StoredWorker | null): Promise<void>;
  /** After that write landed: the maker's delivery attempt (never throws into the caller). */
  committed(written: StoredWorker, previous: StoredWorker | null): Promise<void>;
}

/** The one event type the issuance queue holds. */
const ISSUED_EVENT_TYPE = 'credentials.issued';
const ISSUED = '_issued/';

/**
 * Keys take a queue: a worker's name for its own queue, `_issued/<name>` for its `credentials.issued` events
 * (`queueFor` picks it).
 */
export const outboxLayout = {
  entry: (queue: string, atMs: number, seq: number, writeId: string) =>
    `${OUTBOX}${queue}/${pad13(atMs)}-${String(seq).padStart(8, '0')}-${writeId}.json`,
  workerPrefix: (queue: string) => `${OUTBOX}${queue}/`,
  prefix: OUTBOX,
  /** Where an event of `type` about worker `name` waits. */
  queueFor: (type: string, name: string) => (type === ISSUED_EVENT_TYPE ? `${ISSUED}${name}` : name),
  /** The worker an issuance queue is about; undefined for a worker's own queue. */
  issuedWorker: (queue: string) => (queue.startsWith(ISSUED) ? queue.slice(ISSUED.length) : undefined),
  nameOfEntry: (key: string) => {
    const [first = '', second = ''] = key.slice(OUTBOX.length).split('/');
    return `${first}/` === ISSUED ? `${ISSUED}${second}` : first;
  },
  dead: (endpointId: string, eventId: string) => `${DEAD}${endpointId}/${eventId}.json`,
  deadPrefix: (endpointId: string) => `${DEAD}${endpointId}/`,
};

export class OutboxStorage {
  constructor(private readonly store: ObjectStore) {}

  /** Create-only: a retried put of the same entry changes nothing. */
  async file(key: string, entry: Omit<OutboxEntry, 'write_id'>): Promise<void> {
    try {
      await this.store.put(key, JSON.stringify({ ...entry, write_id: 'filed' }), { ifNoneMatch: '*' });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }

  /** One queue's entry keys, oldest first. */
  async keysOf(name: string, limit = 100): Promise<string[]> {
    const page = await this.store.list(outboxLayout.workerPrefix(name), { limit });
    return page.keys.map((k) => k.key);
  }

  /** Whether any entry waits (one listing of at most one key): what lets the sweeper skip a quiet run. */
  async anyEntry(): Promise<boolean> {
    const page = await this.store.list(OUTBOX, { limit: 1 });
    return page.keys.length > 0;
  }

  /**
   * The queues that have entries (worker names and issuance queues), at most `max` of them, in name order starting after `after` and wrapping
   * around to the start: a run that resumes where the last one stopped reaches every worker in turn, however many
   * ahead of it keep failing.
   */
  async workersWithEntries(max: number, after?: string): Promise<string[]> {
    const names: string[] = [];
    const collect = async (startAfter: string | undefined, before?: string) => {
      let cursor = startAfter;
      do {
        const page = await this.store.list(OUTBOX, {
          limit: 1000,
          ...(cursor ? { startAfter: cursor } : {}),
        });
        for (const { key } of page.keys) {
          const name = outboxLayout.nameOfEntry(key);
          if (before !== undefined && name > before) return;
          if (names.at(-1) !== name) names.push(name);
          if (names.length >= max) return;
        }
        cursor = page.cursor;
      } while (cursor);
    };
    // `~` sorts after the digits every entry key of `after` continues with, and before any longer name.
    await collect(after === undefined ? undefined : `${outboxLayout.workerPrefix(after)}~`);
    if (after !== undefined && names.length < max) await collect(undefined, after);
    return names;
  }

  read(key: string) {
    return readJson<OutboxEntry>(this.store, key);
  }

  update(
    key: string,
    mutate: (current: OutboxEntry | null) => Draft<OutboxEntry> | undefined,
  ): Promise<CasResult<OutboxEntry>> {
    return casUpdate<OutboxEntry>(this.store, key, mutate);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }

  /** The worker's committed record (or tombstone) and its etag, to confirm an entry against. */
  readWorker(name: string): Promise<Read<StoredWorker> | null> {
    return readJson<StoredWorker>(this.store, layout.worker(name));
  }

  /**
   * Rewrites the record exactly as it is, under a new write id, only over `etag`: afterwards no write that read
   * an earlier version can land (its condition no longer holds). True when the rewrite landed.
   */
  async fenceWorker(name: string, read: Read<StoredWorker>): Promise<boolean> {
    try {
      await this.store.put(layout.worker(name), JSON.stringify({ ...read.value, write_id: newWriteId() }), {
        ifMatch: read.etag,
      });
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailedError) return false;
      throw error;
    }
  }

  /** Whether the event log holds exactly this transition (the log only ever holds committed ones). */
  async loggedTransition(eventKey: string, transition: Transition): Promise<boolean> {
    const logged = await readJson<Transition & { actor: string }>(this.store, eventKey);
    return logged !== null && sameTransition(logged.value, transition);
  }

  async putDead(letter: DeadLetter): Promise<void> {
    await this.store.put(outboxLayout.dead(letter.endpoint_id, letter.event.id), JSON.stringify(letter));
  }

  /** One page of an endpoint's dead letters in event id order, after the event id `after`. */
  async listDead(
    endpointId: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<{ letters: DeadLetter[]; next?: string }> {
    const prefix = outboxLayout.deadPrefix(endpointId);
    const page = await this.store.list(prefix, {
      limit: options.limit ?? 100,
      ...(options.after ? { startAfter: outboxLayout.dead(endpointId, options.after) } : {}),
    });
    const letters = await Promise.all(page.keys.map((k) => readJson<DeadLetter>(this.store, k.key)));
    const last = page.keys.at(-1)?.key;
    return {
      letters: letters.flatMap((l) => (l ? [l.value] : [])),
      ...(page.cursor && last ? { next: last.slice(prefix.length, -'.json'.length) } : {}),
    };
  }

  /**
   * Deletes the dead letters that `expired` picks (by endpoint id and when the letter was written), every one
   * listed once (a listing of `webhooks/dead/` per thousand letters, no reads). Returns how many it deleted.
   */
  async pruneDead(expired: (endpointId: string, writtenMs: number) => boolean): Promise<number> {
    let deleted = 0;
    let startAfter: string | undefined;
    do {
      const page = await this.store.list(DEAD, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
      for (const { key, lastModified } of page.keys) {
        const endpointId = key.slice(DEAD.length).split('/')[0] ?? '';
        if (!expired(endpointId, lastModified)) continue;
        await this.store.delete(key);
        deleted++;
      }
      startAfter = page.cursor;
    } while (startAfter);
    return deleted;
  }

  /** Deletes every dead letter of one endpoint (it is being deleted). */
  async pruneDeadOf(endpointId: string): Promise<void> {
    const prefix = outboxLayout.deadPrefix(endpointId);
    let startAfter: string | undefined;
    do {
      const page = await this.store.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
      await Promise.all(page.keys.map((k) => this.store.delete(k.key)));
      startAfter = page.cursor;
    } while (startAfter);
  }

  async readDead(endpointId: string, eventId: string): Promise<DeadLetter | null> {
    return (await readJson<DeadLetter>(this.store, outboxLayout.dead(endpointId, eventId)))?.value ?? null;
  }

  deleteDead(endpointId: string, eventId: string): Promise<void> {
    return this.store.delete(outboxLayout.dead(endpointId, eventId));
  }
}

/** Same transition: time, phases, reason and actor (the message may be redacted differently, so not compared). */
export const sameTransition = (a: Transition, b: Transition): boolean =>
  a.at === b.at && a.from === b.from && a.to === b.to && a.reason === b.reason && a.actor === b.actor;
