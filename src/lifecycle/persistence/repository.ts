/**
 * The record repository: typed reads and compare-and-swap writes of the worker records, and the one door to
 * everything else the lifecycle persists (events, secrets, beats, hints, teams, the deployment), each of which
 * lives in a file of its own beside this one.
 *
 * Two ordering rules live here so no caller can forget them:
 * - a `due/` hint is written BEFORE any record write that makes the worker's next deadline earlier (the sweeper's
 *   invariant: every record has a hint at or before its next deadline);
 * - an event is written AFTER the record write that made its transition, under a create-only key derived from
 *   the transition's sequence number, so a retried write cannot log it twice.
 *
 * @module
 */

import type { CasResult, Draft, Read } from '../../store/cas';
import { countOperations } from '../../store/counted';
import { clampListLimit, type ObjectStore } from '../../store/port';
import type { Beat, StoredWorker, TeamRecord, WorkerEvent } from '../model';
import { Beats } from './beats';
import { deploymentOf, hmacKeyOf } from './deployment';
import { type CasDocument, readDocument, updateDocument } from './document';
import { EventLog, type EventPage, madeTransition } from './events';
import { type DeadlineOf, Hints } from './hints';
import { LabelSchedules } from './label-schedules';
import { type DeploymentMeta, layout } from './layout';
import type { TransitionListener } from './outbox';
import { Secrets } from './secrets';
import { SweeperStorage } from './sweeper-storage';
import { listTeamNames, teamDocument } from './teams';

export type { DeploymentMeta } from './layout';
export type { DeadlineOf, EventPage };

export class WorkerRepository {
  constructor(
    readonly store: ObjectStore,
    private readonly deadlineOf: DeadlineOf = () => undefined,
    /** The functions' clock (epoch ms): whether a deadline is due decides which hints a write must file. */
    private readonly now: () => number = Date.now,
    /** The webhook outbox (`lifecycle/outbox`): files an entry before a transition, delivers it after. */
    private readonly listener?: TransitionListener,
  ) {
    this.sweeper = new SweeperStorage(store);
    this.events = new EventLog(store);
    this.secrets = new Secrets(store);
    this.beats = new Beats(store);
    this.hints = new Hints(store, deadlineOf, now);
  }

  /** The label schedules' document and their due hint. */
  labelSchedules(): LabelSchedules {
    return new LabelSchedules(this.store, (atMs, name) => this.hints.put(atMs, name));
  }

  /** What only the sweeper reads and writes (its lease, tombstones, the hint index). */
  readonly sweeper: SweeperStorage;
  private readonly events: EventLog;
  private readonly secrets: Secrets;
  private readonly beats: Beats;
  private readonly hints: Hints;

  /** The same repository over another view of its store (a sweeper run counts its calls through a wrapper). */
  over(store: ObjectStore): WorkerRepository {
    return new WorkerRepository(store, this.deadlineOf, this.now, this.listener);
  }

  /** The same repository with every store call counted, and how many it has made (a sweeper run's cost). */
  counted(): { repo: WorkerRepository; operations: () => number } {
    const store = countOperations(this.store);
    return { repo: this.over(store), operations: () => store.operations() };
  }

  // --- worker records ------------------------------------------------------------------------------------

  read(name: string): Promise<Read<StoredWorker> | null> {
    return readDocument<StoredWorker>(this.store, 'worker', layout.worker(name));
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
    const result = await updateDocument<StoredWorker>(this.store, 'worker', layout.worker(name), mutate, {
      beforeWrite: async (next, current) => {
        previous = current;
        await Promise.all([
          this.hints.fileIfEarlier(next, current),
          current && madeTransition(next, current) ? this.events.ensureFor(current) : undefined,
          this.listener?.beforeWrite(next, current),
        ]);
      },
    });
    const written = result.value;
    // The listener first: it files the outbox entry again if the sweeper deleted it meanwhile, and a function
    // killed before that leaves the event unlogged too, which the sweeper's scan repairs along with the entry.
    if (result.changed && written) await this.listener?.committed(written, previous);
    // Only a write that made a transition has an event to log: its sequence moved, or it is a new incarnation
    // (whose sequence starts again at 1, below that of the tombstone it replaced).
    if (result.changed && written && madeTransition(written, previous)) {
      await this.events.ensureFor(written).catch(() => {
        // The record is the truth: the next transition's writer, or the sweeper's full scan, writes it.
      });
    }
    return result;
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

  // --- events (events.ts) --------------------------------------------------------------------------------

  /** Writes the event for the record's `last_transition`; idempotent (create-only key per transition). */
  appendEventFor(record: StoredWorker): Promise<void> {
    return this.events.appendFor(record);
  }

  /** An event that is not a transition (a credential issuance): no record write, a key unique to this call. */
  appendNote(
    record: { name: string; uid: string; phase: string; spec_generation: number },
    note: { at: string; reason: WorkerEvent['reason']; actor: string; message?: string },
  ): Promise<void> {
    return this.events.appendNote(record, note);
  }

  hasEventFor(record: StoredWorker): Promise<boolean> {
    return this.events.has(record);
  }

  /** A page of one worker's history, newest first; with `uid`, only that incarnation's events. */
  listEvents(
    name: string,
    options: { cursor?: string; limit?: number; uid?: string } = {},
  ): Promise<EventPage> {
    return this.events.list(name, options);
  }

  deleteEvents(name: string, olderThanMs: number): Promise<number> {
    return this.events.deleteOlderThan(name, olderThanMs);
  }

  // --- secrets (secrets.ts) ------------------------------------------------------------------------------

  addSecretCandidates(
    name: string,
    uid: string,
    env: Record<string, string>,
    now = Date.now(),
  ): Promise<void> {
    return this.secrets.addCandidates(name, uid, env, now);
  }

  readSecretCandidates(name: string, uid: string): Promise<Record<string, string[]>> {
    return this.secrets.readCandidates(name, uid);
  }

  /** Drops superseded values, keeping those in use and anything added after `addedBefore`. */
  pruneSecrets(name: string, uid: string, inUse: Record<string, string>, addedBefore: number): Promise<void> {
    return this.secrets.prune(name, uid, inUse, addedBefore);
  }

  deleteSecrets(name: string, uid: string): Promise<void> {
    return this.secrets.delete(name, uid);
  }

  // --- beats (beats.ts) ----------------------------------------------------------------------------------

  readBeat(name: string): Promise<Beat | null> {
    return this.beats.read(name);
  }

  /** The beat with its etag, for a write conditional on what was read. */
  readBeatVersioned(name: string): Promise<Read<Beat> | null> {
    return this.beats.readVersioned(name);
  }

  /** Writes the beat only over the version read (`etag`, or `null` for none): `false` when another wrote first. */
  writeBeat(name: string, beat: Beat, etag: string | null): Promise<boolean> {
    return this.beats.write(name, beat, etag);
  }

  /** Deletes the beat of one incarnation only (`uid`): a re-created worker's beat is left alone. */
  deleteBeat(name: string, uid?: string): Promise<void> {
    return this.beats.delete(name, uid);
  }

  listBeats(options: { startAfter?: string; limit?: number } = {}) {
    return this.beats.list(options);
  }

  // --- due hints (hints.ts) ------------------------------------------------------------------------------

  putHint(atMs: number, name: string, writeId?: string): Promise<string> {
    return this.hints.put(atMs, name, writeId);
  }

  listHintsUpTo(atMs: number, options: { startAfter?: string; limit?: number } = {}) {
    return this.hints.listUpTo(atMs, options);
  }

  deleteHint(key: string): Promise<void> {
    return this.hints.delete(key);
  }

  // --- teams (teams.ts) and the deployment (deployment.ts) -----------------------------------------------

  /** The names of the stored teams, in name order, at most `max` of them. */
  listTeamNames(max: number): Promise<string[]> {
    return listTeamNames(this.store, max);
  }

  /** A team's record: settings, key hashes and quota reservations. */
  team(team: string): CasDocument<TeamRecord> {
    return teamDocument(this.store, team);
  }

  /** Reads `meta/deployment.json`, creating it (create-only, so concurrent first starts agree) if absent. */
  deployment(now: () => number): Promise<DeploymentMeta> {
    return deploymentOf(this.store, now);
  }

  /** The deployment's HMAC key for env values; kept under `secrets/` (readable by lifecycle and sweeper only). */
  hmacKey(): Promise<string> {
    return hmacKeyOf(this.store);
  }
}
