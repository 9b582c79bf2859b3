/**
 * Fleet actions: wake, sleep, delete or ensure-ready every worker a selector matches, with a per-worker result.
 *
 * Each worker's action is the single request's own (the same conditional write, the same operation lease), so a
 * fleet action can never do what a loop of single requests could not; the function adds only selection, the `max`
 * guard and bounded concurrency. Backend work shares one drive budget: workers reached after it still get their
 * intent recorded (the sweeper drives them through their due hints), so a large fleet answers in bounded time.
 *
 * @module
 */

import { ConflictError, ForbiddenError, OrchestratorError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, Phase, WorkerRecord } from '../model';
import { isWorker } from '../model';
import { actorOwns } from '../teams';
import { deleteWorker } from './delete';
import { applyIntent } from './intent';
import { listWorkers } from './queries';
import { sleep, wake, wakeBuild } from './wake-sleep';

export const FLEET_ACTIONS = ['wake', 'sleep', 'delete', 'ensure-ready'] as const;
export type FleetAction = (typeof FLEET_ACTIONS)[number];

/** The most workers one request acts on: the per-worker results must fit one answer and one function's time. */
export const FLEET_MAX = 1000;
/** Counting matches stops here, so a mistaken selector over a huge fleet costs a bounded read. */
const COUNT_LIMIT = 10_000;
/** Workers acted on at once: enough to hide store and backend latency, few enough not to trip throttling. */
const CONCURRENCY = 8;

export interface FleetSelector {
  labels?: Record<string, string>;
  team?: string;
  phase?: Phase;
  names?: string[];
}

export interface FleetRequest {
  action: FleetAction;
  selector: FleetSelector;
  /** Refuse (409 `max_exceeded`) when more workers match than this. */
  max: number;
  dryRun: boolean;
  /** delete only: override deletion protection (manager keys only, as for a single delete). */
  force?: boolean;
}

export type FleetOutcome =
  /** The action began (202 for a single request). */
  | 'began'
  /** Already there (200 for a single request). */
  | 'unchanged'
  | 'deleted'
  | 'ready'
  | 'not_ready'
  /** dry run: the action would change this worker. */
  | 'would_act'
  | 'failed';

export interface FleetWorkerResult {
  name: string;
  outcome: FleetOutcome;
  /** The error code when `failed` (the single request's: `deletion_protected`, `expired`, …). */
  code?: string;
  message?: string;
}

export interface FleetResult {
  action: FleetAction;
  dry_run: boolean;
  matched: number;
  results: FleetWorkerResult[];
}

export async function runFleetAction(
  ctx: LifecycleContext,
  actor: Actor,
  request: FleetRequest,
): Promise<FleetResult> {
  if (request.force && actor.kind === 'team') {
    // deletion_protection is the manager's to set, so overriding it is the manager's too (as for one delete).
    throw new ForbiddenError('force can be used with a manager key only', { details: { field: 'force' } });
  }
  const selected = await select(ctx, actor, request.selector);
  if (selected.length > request.max) {
    const count = selected.length >= COUNT_LIMIT ? `at least ${COUNT_LIMIT}` : String(selected.length);
    throw new ConflictError(
      `${count} workers match the selector, more than max (${request.max}); narrow the selector or raise max`,
      'max_exceeded',
      { details: { matched: selected.length, max: request.max } },
    );
  }
  const deadline = ctx.clock.now() + ctx.settings.requestDriveBudgetMs;
  const results = await mapBounded(selected, CONCURRENCY, (record) =>
    request.dryRun ? dryRun(record, request.action) : act(ctx, actor, record.name, request, deadline),
  );
  return { action: request.action, dry_run: request.dryRun, matched: selected.length, results };
}

/** What selection keeps of a worker: enough for a dry run; the action itself reads the record again. */
type Target = Pick<WorkerRecord, 'name' | 'phase' | 'desired'>;

/** The matching workers the actor may act on, in name order; counting stops at COUNT_LIMIT. */
async function select(ctx: LifecycleContext, actor: Actor, selector: FleetSelector): Promise<Target[]> {
  const scopeTeam = actor.kind === 'team' ? actor.team : undefined;
  const labels = Object.entries(selector.labels ?? {});
  const matches = (r: WorkerRecord) =>
    actorOwns(actor, r) &&
    (selector.team === undefined || r.team === selector.team) &&
    (selector.phase === undefined || r.phase === selector.phase) &&
    labels.every(([k, v]) => r.labels[k] === v);
  if (selector.names) {
    const names = [...new Set(selector.names)].sort();
    const records = await mapBounded(
      names,
      CONCURRENCY * 2,
      async (name) => (await ctx.repo.read(name))?.value,
    );
    return records.filter((r): r is WorkerRecord => isWorker(r) && matches(r));
  }
  const selected: Target[] = [];
  let cursor: string | undefined;
  do {
    const page = await listWorkers(ctx, {
      labels,
      ...(selector.team ? { team: selector.team } : {}),
      ...(selector.phase ? { phase: selector.phase } : {}),
      ...(scopeTeam ? { scopeTeam } : {}),
      ...(cursor ? { cursor } : {}),
      limit: 1000,
    });
    for (const view of page.workers) {
      // A team key's listing is its own team whatever `team` says: another team's name must match nothing.
      if (selector.team !== undefined && view.team !== selector.team) continue;
      selected.push({ name: view.name, phase: view.phase, desired: view.desired });
    }
    cursor = page.next_cursor;
  } while (cursor && selected.length < COUNT_LIMIT);
  return selected;
}

/** Whether the action would change the worker as last read (the real action decides again, inside its write). */
function dryRun(record: Target, action: FleetAction): FleetWorkerResult {
  const there =
    action === 'wake'
      ? record.desired === 'running' && record.phase !== 'failed'
      : action === 'sleep'
        ? record.desired === 'sleeping'
        : action === 'delete'
          ? record.desired === 'deleted'
          : record.phase === 'ready';
  return { name: record.name, outcome: there ? 'unchanged' : 'would_act' };
}

async function act(
  ctx: LifecycleContext,
  actor: Actor,
  name: string,
  request: FleetRequest,
  deadline: number,
): Promise<FleetWorkerResult> {
  try {
    switch (request.action) {
      case 'wake':
        return { name, outcome: (await wake(ctx, name, actor, { deadline })).began ? 'began' : 'unchanged' };
      case 'sleep':
        return {
          name,
          outcome: (await sleep(ctx, name, actor, false, { deadline })).began ? 'began' : 'unchanged',
        };
      case 'delete':
        await deleteWorker(ctx, name, actor, request.force ?? false, { deadline });
        return { name, outcome: 'deleted' };
      case 'ensure-ready': {
        // ensure-ready's wake (a failed worker is refused, not retried) driven within the shared budget, without
        // the single request's wait for the ready report: the caller polls the fleet afterwards.
        const wakeIt = wakeBuild(actor);
        const result = await applyIntent(
          ctx,
          name,
          actor,
          (record, now) => {
            if (record.phase === 'failed') {
              throw new ConflictError(`worker ${name} has failed; wake or update it to retry`, 'failed');
            }
            return wakeIt(record, now);
          },
          { deadline },
        );
        return { name, outcome: result.worker.phase === 'ready' ? 'ready' : 'not_ready' };
      }
    }
  } catch (error) {
    if (error instanceof OrchestratorError) {
      return { name, outcome: 'failed', code: error.code, message: error.message };
    }
    return { name, outcome: 'failed', code: 'internal', message: 'internal error' };
  }
}

/** `fn` over `items` with at most `limit` in flight, results in the order of `items`. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R> | R,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await fn(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
