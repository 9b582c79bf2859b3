/**
 * Reads: one worker, the fleet (filtered, paged), a worker's events. GET never calls the backend except for an
 * explicit `?refresh=true`, at most once per 10 s per worker (HiClaw defect #10 pinged Docker on every request).
 *
 * @module
 */

import { ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import { cursorScope, openCursor, sealCursor } from '../cursors';
import type { Actor, ListQuery, WorkerRecord } from '../model';
import { iso, isWorker, resourceNameOf } from '../model';
import { actorOwns, assertActorOwns, teamMemberNames, workerNotFound } from '../teams';
import { requireWorker } from './intent';
import { renderWorker, type WorkerView } from './views';

const REFRESH_MIN_INTERVAL_MS = 10_000;
/** Records read in parallel while listing: enough to hide store latency, few enough not to trip throttling. */
const LIST_READ_CONCURRENCY = 16;

export async function getWorker(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { refresh?: boolean } = {},
) {
  // The record and the beat in one round trip: a GET waits for the slower of two reads, not their sum.
  const [found, beat] = await Promise.all([requireWorker(ctx, name), ctx.repo.readBeat(name)]);
  let record = found;
  assertActorOwns(actor, record);
  const now = ctx.clock.now();
  const lastRefresh = record.refreshed_at ? Date.parse(record.refreshed_at) : 0;
  if (options.refresh && now - lastRefresh >= REFRESH_MIN_INTERVAL_MS && record.backend_ref) {
    record = await refresh(ctx, record, now);
  }
  return renderWorker(ctx, record, beat);
}

async function refresh(ctx: LifecycleContext, record: WorkerRecord, now: number): Promise<WorkerRecord> {
  const { deployment_id } = await ctx.deployment();
  const status = await ctx.backends.get(record.spec.backend).status({
    resourceName: resourceNameOf(record, deployment_id),
    ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
  });
  const written = await ctx.repo.mutate(record.name, (current) => {
    if (!isWorker(current) || current.uid !== record.uid) return undefined;
    return {
      ...current,
      raw_status: status.raw,
      backend_state: status.state,
      observed_at: iso(now),
      refreshed_at: iso(now),
    };
  });
  return isWorker(written.value) ? written.value : record;
}

export interface WorkerPage {
  workers: WorkerView[];
  next_cursor?: string;
}

type Cursor = { a: string } | { o: number; s: string };

/** The listing's position, sealed for this caller (see `cursors.ts`). */
async function decodeCursor(ctx: LifecycleContext, scope: string, cursor: string): Promise<Cursor> {
  const parsed = (await openCursor(ctx, scope, cursor)) as { a?: unknown; o?: unknown; s?: unknown } | null;
  if (typeof parsed?.a === 'string' && /^[a-z0-9-]{1,63}$/.test(parsed.a)) return { a: parsed.a };
  if (Number.isInteger(parsed?.o) && (parsed!.o as number) >= 0 && typeof parsed?.s === 'string') {
    return { o: parsed.o as number, s: parsed.s };
  }
  throw new ValidationError('cursor is not one this API returned', 'cursor');
}

/**
 * The names a listing may read. For a team (a team key's own, or a manager's `team=` filter) that is the team's
 * quota slots in its record: the cost of the listing is bounded by what the team holds, never the fleet's size.
 */
async function scopedNames(ctx: LifecycleContext, query: ListQuery): Promise<string[] | undefined> {
  const team = query.scopeTeam ?? query.team;
  return team === undefined ? undefined : teamMemberNames(ctx, team);
}

/** Sorting needs every record in hand; past this many workers, filter or page by name instead. */
export const SORTED_SCAN_LIMIT = 10_000;

/** Reads the named records (bounded concurrency), applies the filters and renders them. */
async function viewsOf(ctx: LifecycleContext, names: string[], query: ListQuery): Promise<WorkerView[]> {
  const records: WorkerRecord[] = [];
  for (let i = 0; i < names.length; i += LIST_READ_CONCURRENCY) {
    const batch = await Promise.all(names.slice(i, i + LIST_READ_CONCURRENCY).map((n) => ctx.repo.read(n)));
    for (const read of batch) if (isWorker(read?.value)) records.push(read.value);
  }
  const team = query.scopeTeam ?? query.team;
  const matching = records.filter(
    (r) =>
      (team === undefined || r.team === team) &&
      (query.phase === undefined || r.phase === query.phase) &&
      query.labels.every(([k, v]) => r.labels[k] === v),
  );
  const views = await Promise.all(
    matching.map(async (r) =>
      renderWorker(ctx, r, r.phase === 'ready' ? await ctx.repo.readBeat(r.name) : null),
    ),
  );
  return query.status === undefined ? views : views.filter((v) => v.status === query.status);
}

/**
 * One page of the fleet. By name (the default): one listing call and the page's records, so a page may be short
 * (even empty) while `next_cursor` is present — only a missing `next_cursor` means the end. Sorted by
 * `last_activity_at`: every record is read (up to SORTED_SCAN_LIMIT) and the cursor is an offset.
 */
export async function listWorkers(ctx: LifecycleContext, query: ListQuery): Promise<WorkerPage> {
  const scope = cursorScope(
    query.scopeTeam === undefined ? undefined : { kind: 'team', team: query.scopeTeam },
  );
  const cursor = query.cursor ? await decodeCursor(ctx, scope, query.cursor) : undefined;
  const sort = query.sort ?? 'name';
  const teamNames = await scopedNames(ctx, query);
  if (sort !== 'name') return listSorted(ctx, query, sort, cursor, scope, teamNames);
  if (cursor && !('a' in cursor)) throw new ValidationError('cursor belongs to a sorted listing', 'cursor');
  let names: string[];
  let next: string | undefined;
  if (teamNames) {
    const after = cursor ? teamNames.filter((n) => n > cursor.a) : teamNames;
    names = after.slice(0, query.limit);
    next = after.length > query.limit ? names.at(-1) : undefined;
  } else {
    const page = await ctx.repo.listNames({
      limit: query.limit,
      ...(cursor ? { startAfter: cursor.a } : {}),
    });
    names = page.names.map((n) => n.name);
    next = page.cursor;
  }
  return {
    workers: await viewsOf(ctx, names, query),
    ...(next ? { next_cursor: await sealCursor(ctx, scope, { a: next }) } : {}),
  };
}

async function listSorted(
  ctx: LifecycleContext,
  query: ListQuery,
  sort: string,
  cursor: Cursor | undefined,
  scope: string,
  teamNames: string[] | undefined,
): Promise<WorkerPage> {
  if (cursor && (!('o' in cursor) || cursor.s !== sort)) {
    throw new ValidationError('cursor belongs to another listing order', 'cursor');
  }
  const names: string[] = teamNames ? [...teamNames] : [];
  let startAfter: string | undefined;
  if (!teamNames) {
    do {
      const page = await ctx.repo.listNames({ limit: 1000, ...(startAfter ? { startAfter } : {}) });
      names.push(...page.names.map((n) => n.name));
      if (names.length > SORTED_SCAN_LIMIT) break;
      startAfter = page.cursor;
    } while (startAfter);
  }
  if (names.length > SORTED_SCAN_LIMIT) {
    throw new ValidationError(
      `sorting reads every worker and is limited to ${SORTED_SCAN_LIMIT}; filter by team or label, or list by name`,
      'sort',
    );
  }
  const descending = sort.startsWith('-');
  const at = (v: WorkerView) => Date.parse(v.last_activity_at ?? v.created_at);
  const views = (await viewsOf(ctx, names, query)).sort(
    (a, b) => (descending ? at(b) - at(a) : at(a) - at(b)) || (a.name < b.name ? -1 : 1),
  );
  const offset = cursor && 'o' in cursor ? cursor.o : 0;
  const end = offset + query.limit;
  return {
    workers: views.slice(offset, end),
    ...(end < views.length ? { next_cursor: await sealCursor(ctx, scope, { o: end, s: sort }) } : {}),
  };
}

/**
 * One worker's history, newest first: the events of its current incarnation only (the live record's uid, or the
 * tombstone's after a delete), so a name created again never shows the previous owner's history. A team key sees
 * the history of its own live workers; anything else answers as an unknown worker.
 */
export async function listEvents(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { cursor?: string; limit: number },
) {
  const current = (await ctx.repo.read(name))?.value;
  if (!current) await requireWorker(ctx, name);
  if (!current || (actor.kind === 'team' && !(isWorker(current) && actorOwns(actor, current)))) {
    throw workerNotFound(name);
  }
  // Sealed for this caller and this incarnation: a cursor of an earlier incarnation's history is refused.
  const scope = `events:${name}:${current.uid}:${cursorScope(actor)}`;
  let after: string | undefined;
  if (options.cursor !== undefined) {
    const position = (await openCursor(ctx, scope, options.cursor)) as { k?: unknown } | null;
    if (typeof position?.k !== 'string' || !/^[0-9a-z-]+\.json$/.test(position.k)) {
      throw new ValidationError('cursor is not one this API returned', 'cursor');
    }
    after = position.k;
  }
  const page = await ctx.repo.listEvents(name, {
    uid: current.uid,
    limit: options.limit,
    ...(after ? { cursor: after } : {}),
  });
  return {
    events: page.events,
    ...(page.cursor ? { next_cursor: await sealCursor(ctx, scope, { k: page.cursor }) } : {}),
  };
}
