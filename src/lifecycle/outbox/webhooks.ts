/**
 * The outbox: every transition that leaves as a webhook event has its entry in object storage, filed before the
 * record write that makes the transition and delivered only once that write is known to have landed.
 *
 *   maker:   file entry (names its write id) ── CAS record write ── landed? deliver now (short timeout)
 *   sweeper: list entries ── unconfirmed? compare with the committed record / event log ── deliver when due
 *
 * No transition without its entry: the entry is written before the record, and a failed entry write aborts the
 * record write. No entry without its transition: an entry is sent only when the record (or, for older
 * transitions, the event log, which holds only committed transitions) shows exactly the transition it claims;
 * an entry whose write lost its compare-and-swap is deleted unsent. Delivery is at least once: a receiver
 * deduplicates by `webhook-id`, which is the same on every attempt.
 *
 * Per worker and endpoint, events leave in the order their transitions were made: an event waits while an
 * earlier one of the same worker is still owed to that endpoint. `credentials.issued` waits in a queue of its own
 * (`outbox/_issued/<name>/`, the only outbox folder the worker-facing credentials function may write), ordered on
 * its own; an entry that is not where its type belongs is deleted unsent (see `belongsIn`).
 *
 * @module
 */

import type { ObjectStore } from '../../store/port';
import type { Clock, StoredWorker } from '../model';
import {
  type DeliveryTarget,
  layout,
  type OutboxEntry,
  OutboxStorage,
  outboxLayout,
  sameTransition,
  type TransitionListener,
  WebhookEndpoints,
} from '../persistence';
import { RETRY_WINDOW_MS, retryDelayMs, shortError, signingSecrets } from './delivery';
import { type EventType, transitionEvent } from './events';
import { EventFiler, type EventMatch, endpointWants } from './filer';
import type { WebhookSender } from './port';
import { STRICT_URL_POLICY, type UrlPolicy } from './url-policy';

export interface WebhookOptions {
  policy?: UrlPolicy;
  /** One attempt's timeout when the maker delivers inline: its caller waits at most about this long. */
  inlineTimeoutMs?: number;
  /** One attempt's timeout when the sweeper delivers. */
  sweeperTimeoutMs?: number;
  /**
   * How long an entry whose record write is not (yet) visible may still turn out committed: longer than any
   * function runs, so a write still in flight is never mistaken for a lost one.
   */
  confirmGraceMs?: number;
}

/** Where a deferred delivery is noted (the context's logger; declared here so the context may name this class). */
interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

type Verdict = 'committed' | 'never' | 'unknown';

/** Whether `written` carries a transition its predecessor did not (the event log's rule). */
const madeTransition = (written: StoredWorker, previous: StoredWorker | null) =>
  previous === null || previous.uid !== written.uid || written.event_seq > previous.event_seq;

export class Webhooks implements TransitionListener {
  readonly policy: UrlPolicy;
  readonly endpoints: WebhookEndpoints;
  readonly outbox: OutboxStorage;
  private readonly inlineTimeoutMs: number;
  private readonly sweeperTimeoutMs: number;
  private readonly confirmGraceMs: number;
  /** Events with no record write behind them; the endpoint list is read fresh each time (this is no hot path). */
  private readonly filer: EventFiler;

  constructor(
    store: ObjectStore,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: WebhookOptions = {},
  ) {
    this.endpoints = new WebhookEndpoints(store);
    this.outbox = new OutboxStorage(store);
    this.policy = options.policy ?? STRICT_URL_POLICY;
    this.inlineTimeoutMs = options.inlineTimeoutMs ?? 3000;
    this.sweeperTimeoutMs = options.sweeperTimeoutMs ?? 10_000;
    this.confirmGraceMs = options.confirmGraceMs ?? 5 * 60_000;
    this.filer = new EventFiler(store, clock);
  }

  /**
   * Entries this instance filed whose record write it has not yet seen land (bounded: a write may fail), kept
   * whole so the maker can file its entry again should the sweeper have deleted it meanwhile.
   */
  private readonly filed = new Map<string, Omit<OutboxEntry, 'write_id'>>();

  /**
   * Endpoints whose inline attempt just failed, and until when (epoch ms) inline deliveries leave them to the
   * sweeper: a hung receiver then holds one answer for one timeout, not each transition of a fleet action for one
   * timeout each. The sweeper's attempts ignore it (their backoff is the entry's).
   */
  private readonly inlineSkipUntil = new Map<string, number>();

  private remember(key: string, entry: Omit<OutboxEntry, 'write_id'>): void {
    this.filed.set(key, entry);
    if (this.filed.size > 64) this.filed.delete(this.filed.keys().next().value!);
  }

  // --- the record repository's hooks ---------------------------------------------------------------------

  async beforeWrite(next: StoredWorker, previous: StoredWorker | null): Promise<void> {
    if (!madeTransition(next, previous)) return;
    const made = transitionEvent(next, previous);
    if (!made) return;
    const targets = await this.targetsFor(made.type, made.labels, made.team);
    if (Object.keys(targets).length === 0) return;
    const t = next.last_transition;
    const key = outboxLayout.entry(next.name, Date.parse(t.at), next.event_seq, next.write_id);
    const entry = {
      event: made.event,
      name: next.name,
      claim: { uid: next.uid, seq: next.event_seq, transition: t },
      confirmed: false,
      created_ms: this.clock.now(),
      targets,
    };
    await this.outbox.file(key, entry);
    this.remember(key, entry);
  }

  async committed(written: StoredWorker, previous: StoredWorker | null): Promise<void> {
    if (!madeTransition(written, previous) || !transitionEvent(written, previous)) return;
    const t = written.last_transition;
    const key = outboxLayout.entry(written.name, Date.parse(t.at), written.event_seq, written.write_id);
    // No entry filed (no endpoint wants it): nothing to send, and no listing to pay for.
    const entry = this.filed.get(key);
    if (!entry) return;
    this.filed.delete(key);
    const inline = { timeoutMs: this.inlineTimeoutMs, known: key, refile: entry, inline: true };
    await this.drain(written.name, inline).catch((error) => {
      // The entry stays; the sweeper delivers it. The message names the worker, never a secret.
      this.log.warn('webhook delivery deferred to the sweeper', {
        name: written.name,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  /**
   * An event that reports no record write (an orphan found): filed confirmed, then delivered at once. A failed
   * filing throws; a failed delivery is left to the sweeper.
   */
  async announce(
    name: string,
    type: EventType,
    data: Record<string, unknown>,
    match: EventMatch = {},
  ): Promise<void> {
    if (!(await this.filer.file(name, type, data, match))) return;
    await this.drain(outboxLayout.queueFor(type, name), {
      timeoutMs: this.inlineTimeoutMs,
      inline: true,
    }).catch(() => undefined);
  }

  /**
   * The sweeper's scan found a record whose transition has no event logged: its maker died right after the record
   * write, before it could file its entry again had the sweeper deleted it as never written. Files it (create-only
   * under the maker's key, confirmed: the record shows the transition); an event already delivered may leave
   * twice, with the same id. Not for a transition older than `maxAgeMs` (the event retention): its event was
   * trimmed with the history, not lost, and it left long ago.
   */
  async refileCommitted(record: StoredWorker, maxAgeMs: number): Promise<void> {
    if (this.clock.now() - Date.parse(record.last_transition.at) > maxAgeMs) return;
    const made = transitionEvent(record, null);
    if (!made) return;
    const targets = await this.targetsFor(made.type, made.labels, made.team);
    if (Object.keys(targets).length === 0) return;
    const t = record.last_transition;
    await this.outbox.file(
      outboxLayout.entry(record.name, Date.parse(t.at), record.event_seq, record.write_id),
      {
        event: made.event,
        name: record.name,
        claim: { uid: record.uid, seq: record.event_seq, transition: t },
        confirmed: true,
        created_ms: this.clock.now(),
        targets,
      },
    );
  }

  // --- delivery ------------------------------------------------------------------------------------------

  /** Whether any entry waits to be delivered or decided: a sweeper run with one is not quiet. */
  hasPending(): Promise<boolean> {
    return this.outbox.anyEntry();
  }

  /**
   * The sweeper's step: the workers with entries, starting after `after` (the worker the last run stopped at),
   * while `hasTime` allows. `last` is where the next run starts, so workers whose endpoints keep failing cannot
   * take every run's turn.
   */
  async deliverDue(
    hasTime: () => boolean,
    maxWorkers = 500,
    after?: string,
  ): Promise<{ workers: number; errors: string[]; last?: string }> {
    const names = await this.outbox.workersWithEntries(maxWorkers, after);
    const errors: string[] = [];
    let workers = 0;
    let last: string | undefined;
    for (const name of names) {
      if (!hasTime()) break;
      workers++;
      last = name;
      await this.drain(name, { timeoutMs: this.sweeperTimeoutMs, hasTime }).catch((error) => {
        errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    return { workers, errors, ...(last !== undefined ? { last } : {}) };
  }

  /**
   * What nothing else removes: dead letters older than `retentionMs` or of an endpoint deleted since (its
   * deleter killed midway), and signing secrets of endpoints never listed (a create killed between the two
   * writes), once older than any create still at work. One read of each endpoint document and one listing per
   * thousand dead letters: the sweeper calls it now and then, not every run.
   */
  async housekeep(retentionMs: number): Promise<{ letters: number; secrets: number }> {
    const now = this.clock.now();
    const [endpoints, secrets] = await Promise.all([this.endpoints.list(), this.endpoints.secrets()]);
    const listed = new Set(endpoints.map((e) => e.id));
    const orphans = Object.entries(secrets)
      .filter(([id, s]) => !listed.has(id) && now - (s.created_ms ?? 0) > this.confirmGraceMs)
      .map(([id]) => id);
    if (orphans.length > 0) {
      // Read again inside the write: an endpoint listed meanwhile keeps its secret.
      const current = new Set((await this.endpoints.list()).map((e) => e.id));
      await this.endpoints.updateSecrets((map) => {
        const gone = orphans.filter((id) => !current.has(id) && map.delete(id));
        return gone.length > 0;
      });
    }
    const letters = await this.outbox.pruneDead(
      (endpointId, writtenMs) => !listed.has(endpointId) || now - writtenMs > retentionMs,
    );
    return { letters, secrets: orphans.length };
  }

  /**
   * Settles every entry of `name` whose commit is still undecided, while the evidence exists: the sweeper calls it
   * before it removes a tombstone (and with it the incarnation's event log). True when none is left undecided.
   */
  async decideBeforeForgetting(name: string): Promise<boolean> {
    await this.drain(name, { timeoutMs: this.sweeperTimeoutMs });
    const keys = await this.outbox.keysOf(name);
    const entries = await Promise.all(keys.map((key) => this.outbox.read(key)));
    return entries.every((entry) => !entry || entry.value.confirmed);
  }

  /**
   * Delivers one queue's entries in order (`name`: a worker's name, or an issuance queue `_issued/<name>`). `known` is the entry whose record write the caller just saw land;
   * `refile` is that entry as it was filed, filed again (confirmed) if it is gone: a maker frozen past the
   * confirmation grace may find the sweeper deleted it as never written. Stops at an entry that may still be
   * committed (its write in flight): what follows it must wait.
   */
  async drain(
    name: string,
    options: {
      timeoutMs: number;
      known?: string;
      refile?: Omit<OutboxEntry, 'write_id'>;
      /** The sweeper's budget: no new entry is started once it says no (the rest waits for the next run). */
      hasTime?: () => boolean;
      /** A maker's attempt, its caller waiting: endpoints that just failed one are left to the sweeper. */
      inline?: boolean;
    },
  ): Promise<void> {
    let keys = await this.outbox.keysOf(name);
    if (options.known && options.refile && !keys.includes(options.known)) {
      await this.outbox.file(options.known, { ...options.refile, confirmed: true });
      keys = [...keys, options.known].sort();
    }
    if (keys.length === 0) return;
    const [endpoints, secrets] = await Promise.all([this.endpoints.list(), this.endpoints.secrets()]);
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const record = once(() => this.outbox.readWorker(name));
    // One fence per drain is enough: it fails every write that read a version before it.
    const fence = once(async () => {
      const read = await record();
      return read !== null && (await this.outbox.fenceWorker(name, read));
    });
    const blocked = new Set<string>();
    const issuance = outboxLayout.issuedWorker(name) !== undefined;
    // The maker's caller is waiting: past about two attempts' time, the rest is the sweeper's.
    const deadline = this.clock.now() + options.timeoutMs * 2;
    for (const key of keys) {
      if (options.known && this.clock.now() > deadline) return;
      if (options.hasTime && !options.hasTime()) return;
      const read = await this.outbox.read(key);
      if (!read) continue;
      const entry = read.value;
      if (!belongsIn(name, entry)) {
        // Forged, or written by something that may not: never signed, never sent.
        this.log.warn('outbox entry not where its type belongs, deleted unsent', {
          queue: name,
          event: entry.event?.id,
          type: entry.event?.type,
        });
        await this.outbox.delete(key);
        continue;
      }
      if (!entry.confirmed && key !== options.known) {
        const verdict = await this.verdict(name, entry, (await record())?.value ?? null, fence);
        if (verdict === 'never') {
          await this.outbox.delete(key);
          continue;
        }
        if (verdict === 'unknown') return;
      }
      const now = this.clock.now();
      const delivered = new Set<string>();
      const failed = new Map<string, DeliveryTarget>();
      await Promise.all(
        Object.entries(entry.targets).map(async ([id, target]) => {
          const endpoint = byId.get(id);
          const secret = secrets[id];
          // Deleted since, or (in an issuance queue, whose writer is not trusted to pick endpoints) one that
          // does not take the event: nothing is owed to it.
          const unwanted = issuance && !endpoint?.types.includes(entry.event.type as EventType);
          if (!endpoint || !secret || unwanted) {
            delivered.add(id);
            return;
          }
          const skipInline = options.inline && (this.inlineSkipUntil.get(id) ?? 0) > now;
          if (blocked.has(id) || (target.next_at_ms ?? 0) > now || skipInline) {
            blocked.add(id);
            return;
          }
          const result = await this.sender.send(
            endpoint.url,
            { id: entry.event.id, body: JSON.stringify(entry.event) },
            signingSecrets(secret, now),
            options.timeoutMs,
          );
          if (result.ok) {
            delivered.add(id);
            return;
          }
          if (options.inline) this.inlineSkipUntil.set(id, this.clock.now() + retryDelayMs(1));
          const attempts = target.attempts + 1;
          const error = shortError(result.error);
          // The endpoint by id, never its URL (which may carry a token of the receiver's).
          this.log.warn('webhook attempt failed', { endpoint: id, event: entry.event.id, attempts, error });
          if (now - entry.created_ms >= RETRY_WINDOW_MS) {
            await this.outbox.putDead({
              event: entry.event,
              endpoint_id: id,
              attempts,
              last_error: error,
              dead_at: new Date(now).toISOString(),
            });
            delivered.add(id);
            return;
          }
          failed.set(id, { attempts, next_at_ms: now + retryDelayMs(attempts), last_error: error });
          blocked.add(id);
        }),
      );
      await this.settle(key, entry, delivered, failed);
    }
  }

  /** Writes what the attempts changed; deletes the entry once nothing is owed. */
  private async settle(
    key: string,
    entry: OutboxEntry,
    delivered: ReadonlySet<string>,
    failed: ReadonlyMap<string, DeliveryTarget>,
  ): Promise<void> {
    const left = Object.keys(entry.targets).filter((id) => !delivered.has(id));
    if (left.length === 0) {
      await this.outbox.delete(key);
      return;
    }
    if (entry.confirmed && failed.size === 0 && delivered.size === 0) return;
    await this.outbox.update(key, (current) => {
      if (!current) return undefined;
      const targets: Record<string, DeliveryTarget> = {};
      for (const [id, target] of Object.entries(current.targets)) {
        if (!delivered.has(id)) targets[id] = failed.get(id) ?? target;
      }
      return { ...current, confirmed: true, targets };
    });
  }

  /** Whether the transition an entry claims was committed, can no longer be, or may still be. */
  private async verdict(
    name: string,
    entry: OutboxEntry,
    record: StoredWorker | null,
    fence: () => Promise<boolean>,
  ): Promise<Verdict> {
    const claim = entry.claim;
    if (!claim) return 'committed';
    const eventKey = layout.event(name, Date.parse(claim.transition.at), claim.uid, claim.seq);
    if (record?.uid === claim.uid) {
      if (record.event_seq === claim.seq)
        return sameTransition(record.last_transition, claim.transition) ? 'committed' : 'never';
      // The writer of every later transition made sure the event log holds this one first.
      if (record.event_seq > claim.seq)
        return (await this.outbox.loggedTransition(eventKey, claim.transition)) ? 'committed' : 'never';
    } else if (await this.outbox.loggedTransition(eventKey, claim.transition)) {
      return 'committed';
    }
    if (this.clock.now() - entry.created_ms <= this.confirmGraceMs) return 'unknown';
    // Past the grace the write is taken for lost, but a maker frozen that long may still be about to make it,
    // and its condition still holds while nothing else wrote the record. Rewriting the record unchanged (a new
    // write id) first makes that write fail; its maker retries and files a new entry. Without a record there is
    // nothing to rewrite: a create that lands after all files its entry again (`committed`), or the sweeper's
    // scan does when it repairs the create's missing event.
    if (record === null) return 'never';
    return (await fence()) ? 'never' : 'unknown';
  }

  /** The endpoints an event goes to, each owed one delivery. */
  private async targetsFor(
    type: EventType,
    labels: Record<string, string>,
    team: string | undefined,
  ): Promise<Record<string, DeliveryTarget>> {
    const endpoints = await this.endpoints.list();
    const match = { labels, ...(team !== undefined ? { team } : {}) };
    return Object.fromEntries(
      endpoints.filter((e) => endpointWants(e, type, match)).map((e) => [e.id, { attempts: 0 }]),
    );
  }
}

/**
 * Whether an entry may be delivered from the queue it was found in. An issuance queue holds only confirmed
 * `credentials.issued` entries about its own worker that claim no record write: its writer, the worker-facing
 * credentials function, may file nothing else. A worker's own queue never holds `credentials.issued`, which is
 * filed only in the issuance queue.
 */
export function belongsIn(queue: string, entry: OutboxEntry): boolean {
  const type = entry.event?.type;
  const issuedTo = outboxLayout.issuedWorker(queue);
  if (issuedTo === undefined) return type !== undefined && outboxLayout.queueFor(type, queue) === queue;
  return (
    outboxLayout.queueFor(type ?? '', issuedTo) === queue &&
    entry.confirmed === true &&
    entry.claim === undefined &&
    entry.name === issuedTo &&
    entry.event.data?.name === issuedTo
  );
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= load();
    return cached;
  };
}
