/**
 * Label schedules carried out by the sweeper. The document `schedules/labels.json` holds every label schedule
 * with `from` (occurrences up to it are carried out) and, while an occurrence is being applied, `run` (which one,
 * and the last worker name handled). A due hint named `_schedules` brings the sweeper here at the earliest next
 * occurrence; the sweeper then
 *
 * 1. picks, for each schedule, the occurrence to carry out: its unfinished `run` while no later occurrence has
 *    passed, else the LATEST due since `from` (missed windows are applied once; a run overtaken by a later
 *    occurrence is dropped), and `from` moves to now when a new run starts;
 * 2. walks one page of worker names (at most `NAMES_PER_RUN` per sweeper run) ONCE for all those runs, reading
 *    each record once and carrying each run's occurrence out on it when its labels match and it has no schedule
 *    of its own (a worker's own schedule wins), exactly as the worker's own schedule would (`carryOutScheduled`);
 *    each write checks again that no later occurrence has passed, so a sweeper frozen past its lease cannot wake
 *    the fleet at night. A run's place stops before the first worker it could not carry out (another
 *    operation's lease, a failed read or write), so the next run retries it, and before the names the run's
 *    deadline left unstarted;
 * 3. records the progress in one conditional write, applied to a schedule only if its stored `from` and `run`
 *    are still what this sweeper read (a schedule the manager changed keeps its new state; one another sweeper
 *    moved on keeps that progress, so `from` never goes back), and files the next hint: now while a run is
 *    unfinished, else the next occurrence.
 *
 * A sweeper that dies mid-run applies the page again next time: a wake of an awake worker and a sleep of a
 * sleeping one change nothing.
 *
 * @module
 */

import type { LabelSchedule, ScheduledKind, WorkerRecord } from '../model';
import { iso, isWorker, labelsMatch, latestScheduled, ms, nextScheduled } from '../model';
import { layout } from '../persistence';
import { runBounded, type SweepRun } from './run';
import { carryOutScheduled } from './schedule';
import { READ_CONCURRENCY } from './settings';

/** Worker names looked at per sweeper run for label schedules: bounds the reads a run spends on them. */
export const NAMES_PER_RUN = 200;

/** An occurrence being carried out in this sweeper run, and what it started from. */
interface ActiveRun {
  /** The schedule as read: the progress is written only over this very state (see `withProgress`). */
  read: LabelSchedule;
  kind: ScheduledKind;
  at: string;
  from: string;
  after?: string;
  /** Index in this page of the first worker the occurrence could not be carried out on (it is retried). */
  blockedAt?: number;
}

interface Progress {
  read: LabelSchedule;
  from: string;
  run?: LabelSchedule['run'];
}

export async function processLabelSchedules(run: SweepRun, hintKey: string, hintAt: number): Promise<void> {
  const { repo } = run.ctx;
  const storage = repo.labelSchedules();
  const now = run.now();
  // Listed early (the lookahead): it stays for its time, which a schedule just written may be counting on.
  if (hintAt > now) return;
  const schedules = await storage.list();
  const active = schedules.flatMap((schedule) => activeRun(schedule, now) ?? []);
  const progress = active.length === 0 ? new Map<string, Progress>() : await walk(run, active);
  const stored =
    progress.size === 0 ? schedules : await storage.update((list) => withProgress(list, progress));
  const next = nextLook(stored, now);
  if (next !== undefined) await storage.fileHint(next);
  await repo.deleteHint(hintKey);
}

/**
 * The occurrence a schedule is carrying out now: its unfinished run while that is still its latest occurrence,
 * else the latest one due since `from`. A run overtaken by a later occurrence (a run that outlived the next
 * time, or a sweeper frozen past its lease) is dropped: carrying a 09:00 wake on at 19:30 would wake the fleet
 * at night.
 */
function activeRun(schedule: LabelSchedule, now: number): ActiveRun | undefined {
  const current = schedule.run;
  const later = latestScheduled(schedule, ms(current?.at ?? schedule.from) ?? 0, now);
  if (current && !later) {
    return {
      read: schedule,
      kind: current.kind,
      at: current.at,
      from: schedule.from,
      ...(current.after ? { after: current.after } : {}),
    };
  }
  if (!later) return undefined;
  return { read: schedule, kind: later.kind, at: iso(later.at), from: iso(now) };
}

/**
 * One page of worker names (at most `NAMES_PER_RUN`), walked once for every active run: each record is read
 * once and checked against all of them, so k schedules due together cost what one does. A run stops before the
 * first worker it could not carry out (held by another operation's lease, or a read or write that failed), so
 * the next sweeper run retries from there; a later occurrence ends that (see `activeRun`).
 */
async function walk(run: SweepRun, active: ActiveRun[]): Promise<Map<string, Progress>> {
  const { repo } = run.ctx;
  const keyOf = (name: string) => layout.worker(name);
  const startAfter = active.some((a) => a.after === undefined)
    ? undefined
    : active.map((a) => a.after!).reduce((low, name) => (keyOf(name) < keyOf(low) ? name : low));
  const page = await repo.listNames({ limit: NAMES_PER_RUN, ...(startAfter ? { startAfter } : {}) });
  const names = page.names.map(({ name }) => name);
  const block = (a: ActiveRun, index: number) => {
    if (a.blockedAt === undefined || index < a.blockedAt) a.blockedAt = index;
  };
  const started = await runBounded(
    names.map((name, index) => ({ name, index })),
    READ_CONCURRENCY,
    async ({ name, index }) => {
      const mine = active.filter((a) => a.after === undefined || keyOf(name) > keyOf(a.after));
      if (mine.length === 0) return;
      const record = await repo.read(name).then(
        (read) => read?.value,
        (error: unknown) => {
          run.fail('schedule', name, error);
          for (const a of mine) block(a, index);
          return undefined;
        },
      );
      if (!isWorker(record)) return;
      for (const a of mine) {
        if (!applies(a.read, record)) continue;
        try {
          const done = await carryOutScheduled(run, record, {
            due: (stored, at) => (applies(a.read, stored) && stillCurrent(a, at) ? a.kind : undefined),
            mark: (stored) => stored,
          });
          if (done.leased) block(a, index);
        } catch (error) {
          run.fail('schedule', name, error);
          block(a, index);
        }
      }
    },
    () => run.hasTime(),
  );
  const progress = new Map<string, Progress>();
  for (const a of active) {
    // Every worker before `handled` in this page is done for this run; its place never moves backwards.
    const handled = Math.min(started, a.blockedAt ?? names.length);
    const last = handled > 0 ? names[handled - 1] : undefined;
    const after =
      last !== undefined && (a.after === undefined || keyOf(last) > keyOf(a.after)) ? last : a.after;
    const finished = handled === names.length && page.cursor === undefined;
    progress.set(a.read.id, {
      read: a.read,
      from: a.from,
      ...(finished ? {} : { run: { kind: a.kind, at: a.at, ...(after ? { after } : {}) } }),
    });
  }
  return progress;
}

/** Checked at the write of each worker: no later occurrence of the schedule has passed. */
const stillCurrent = (a: ActiveRun, now: number) => latestScheduled(a.read, ms(a.at) ?? 0, now) === undefined;

/**
 * The safety net, once per full-scan pass: a hint at the label schedules' next time, whatever happened to the one
 * before (a manager's write that raced the sweeper's look at the document, say). A second hint costs nothing but
 * a look at the document.
 */
export async function refileLabelScheduleHint(run: SweepRun): Promise<void> {
  const storage = run.ctx.repo.labelSchedules();
  const next = nextLook(await storage.list(), run.now());
  if (next !== undefined) await storage.fileHint(next);
}

const applies = (schedule: LabelSchedule, record: WorkerRecord) =>
  !record.schedule && labelsMatch(schedule.labels, record.labels);

function withProgress(list: LabelSchedule[], progress: Map<string, Progress>): LabelSchedule[] | undefined {
  let changed = false;
  const next = list.map((schedule) => {
    const made = progress.get(schedule.id);
    // Compare-and-swap on the progress itself: written only over the state this run started from. A schedule the
    // manager changed starts from its own time; one another sweeper moved on (this one was frozen past its lease)
    // keeps the newer progress, so `from` never goes back and a finished run never reopens.
    if (!made || !sameProgress(made.read, schedule)) return schedule;
    changed = true;
    const { run: _previous, ...rest } = schedule;
    return { ...rest, from: made.from, ...(made.run ? { run: made.run } : {}) };
  });
  return changed ? next : undefined;
}

const sameProgress = (read: LabelSchedule, stored: LabelSchedule) =>
  read.updated_at === stored.updated_at &&
  read.from === stored.from &&
  read.run?.kind === stored.run?.kind &&
  read.run?.at === stored.run?.at &&
  read.run?.after === stored.run?.after;

/** When the sweeper must come back: now for an unfinished run, else the earliest next occurrence. */
export function nextLook(schedules: LabelSchedule[], now: number): number | undefined {
  let at: number | undefined;
  for (const schedule of schedules) {
    const mine = schedule.run ? now : nextScheduled(schedule, ms(schedule.from) ?? now)?.at;
    if (mine !== undefined && (at === undefined || mine < at)) at = mine;
  }
  return at;
}
