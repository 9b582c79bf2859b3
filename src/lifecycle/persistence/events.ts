/**
 * The event log, `events/<name>/…`: one create-only object per transition (keyed by its sequence number, so a
 * retried write cannot log it twice) and the notes that are not transitions, listed newest first.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { newWriteId, readJson } from '../../store/cas';
import { clampListLimit, type ObjectStore } from '../../store/port';
import type { StoredWorker, WorkerEvent } from '../model';
import { layout } from './layout';

/** Listing calls one page of events may take while skipping other incarnations' events. */
const MAX_EVENT_LIST_CALLS = 10;

/** How many event keys a repository remembers having written (a warm instance lives for many requests). */
const LOGGED_EVENTS_KEPT = 256;

export interface EventPage {
  events: WorkerEvent[];
  cursor?: string;
}

/** Whether `written` carries a transition that `previous` (what its write replaced) did not. */
export const madeTransition = (written: StoredWorker, previous: StoredWorker | null): boolean =>
  previous === null || previous.uid !== written.uid || written.event_seq > previous.event_seq;

/** The create-only key of the event for a record's `last_transition`. */
const eventKeyOf = (record: StoredWorker): string =>
  layout.event(record.name, Date.parse(record.last_transition.at), record.uid, record.event_seq);

export class EventLog {
  constructor(private readonly store: ObjectStore) {}

  /**
   * The event of a transition this instance has not itself logged. Called for the transition a write is about to
   * replace, BEFORE that write: a writer that dies between its record write and its event leaves a gap only in
   * the LAST transition, which the full scan re-emits; every earlier one was made sure of by the writer after it.
   * Remembering what this instance logged spares the extra request for a function's own consecutive transitions.
   */
  async ensureFor(record: StoredWorker): Promise<void> {
    const key = eventKeyOf(record);
    if (this.logged.has(key)) return;
    await this.appendFor(record);
    this.logged.add(key);
    // A warm function instance serves many requests: only its most recent writes are worth remembering.
    if (this.logged.size > LOGGED_EVENTS_KEPT) this.logged.delete(this.logged.values().next().value!);
  }

  /** Event keys this instance wrote (or found written), oldest first. */
  private readonly logged = new Set<string>();

  /** Writes the event for the record's `last_transition`; idempotent (create-only key per transition). */
  async appendFor(record: StoredWorker): Promise<void> {
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

  async has(record: StoredWorker): Promise<boolean> {
    return (await this.store.get(eventKeyOf(record))) !== null;
  }

  /**
   * A page of one worker's history, newest first. With `uid`, only that incarnation's events: a name created
   * again must not show the previous owner's history. The uid is part of every event key, so other incarnations'
   * events are skipped without being read; a page may then take a few listing calls, or come back short.
   */
  async list(
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

  async deleteOlderThan(name: string, olderThanMs: number): Promise<number> {
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
}
