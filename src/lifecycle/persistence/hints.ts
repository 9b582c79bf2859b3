/**
 * The due index, `due/<epoch>/<name>/<write_id>`: hints that tell the sweeper when to look at a worker. It also
 * holds the sweeper's invariant for record writes: every record has a hint at or before its next deadline, so a
 * write that makes the deadline earlier (or takes a new lease) files one first.
 *
 * @module
 */

import { newWriteId } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import type { StoredWorker, WorkerRecord } from '../model';
import { layout } from './layout';

/** When the sweeper must next look at a record (`undefined`: never by itself). */
export type DeadlineOf = (record: WorkerRecord) => number | undefined;

/**
 * A sweeper lists hints up to 30 s ahead of its clock, and functions' clocks differ by up to 30 s more: a hint at
 * or before `now + this` may already be in a sweeper's hands.
 */
const LISTED_AHEAD_MS = 60_000;

export class Hints {
  constructor(
    private readonly store: ObjectStore,
    private readonly deadlineOf: DeadlineOf,
    private readonly now: () => number,
  ) {}

  /** Files the hint that `next` needs and `previous` (what its write replaces) did not already have. */
  async fileIfEarlier(next: StoredWorker, previous: StoredWorker | null): Promise<void> {
    if (next.kind !== 'worker') return;
    const nextAt = this.deadlineOf(next);
    const previousAt = previous?.kind === 'worker' ? this.deadlineOf(previous) : undefined;
    // The hint at a deadline that is due (or nearly) may have been moved later by a sweeper that could not settle
    // the worker (its backoff, or a busy beat holding a scheduled sleep off), or retired with the churn of the
    // worker's other hints: it covers nothing before its new time, so a write over such a deadline files its
    // deadline again, later, earlier or the same (the same past-due schedule can hide a retry the write adds).
    const previousInHand = previousAt !== undefined && previousAt <= this.now() + LISTED_AHEAD_MS;
    if (nextAt !== undefined && (previousAt === undefined || nextAt < previousAt || previousInHand)) {
      await this.put(nextAt, next.name, next.write_id);
      return;
    }
    // A write that takes a new lease always files a hint at its expiry. The comparison above trusts a hint at
    // the previous deadline, but when that deadline is already past its hint may have been processed and
    // re-filed later by the sweeper's backoff; the re-drive after this holder dies must not wait for it.
    const leaseTaken =
      next.op !== undefined && (previous?.kind !== 'worker' || previous.op?.id !== next.op.id);
    if (leaseTaken) await this.put(Date.parse(next.op!.expires_at), next.name, next.write_id);
  }

  async put(atMs: number, name: string, writeId: string = newWriteId()): Promise<string> {
    const key = layout.hint(atMs, name, writeId);
    await this.store.put(key, '');
    return key;
  }

  listUpTo(atMs: number, options: { startAfter?: string; limit?: number } = {}) {
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

  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }
}
