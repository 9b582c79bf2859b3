/**
 * Label schedules carried out by the sweeper. The document `schedules/labels.json` holds every label schedule
 * with `from` (occurrences up to it are carried out) and, while an occurrence is being applied, `run` (which one,
 * and the last worker name handled). A due hint named `_schedules` brings the sweeper here at the earliest next
 * occurrence; the sweeper then
 *
 * 1. starts a run for each schedule with an occurrence due: the LATEST since `from` (missed windows are applied
 *    once), and `from` moves to now;
 * 2. goes through the worker names a page at a time (at most `NAMES_PER_RUN` per sweeper run, across all
 *    schedules), carrying the occurrence out on each worker whose labels match and that has no schedule of its
 *    own (a worker's own schedule wins), exactly as the worker's own schedule would (`carryOutScheduled`);
 * 3. records the progress in one conditional write (a schedule changed meanwhile keeps its own new state) and
 *    files the next hint: now while a run is unfinished, else the next occurrence.
 *
 * A sweeper that dies mid-run applies the page again next time: a wake of an awake worker and a sleep of a
 * sleeping one change nothing.
 *
 * @module
 */

import type { LabelSchedule, WorkerRecord } from '../model';
import { iso, isWorker, labelsMatch, latestScheduled, ms, nextScheduled } from '../model';
import { runBounded, type SweepRun } from './run';
import { carryOutScheduled } from './schedule';
import { READ_CONCURRENCY } from './settings';

/** Worker names looked at per sweeper run for label schedules: bounds the reads a run spends on them. */
export const NAMES_PER_RUN = 200;

type Progress = Pick<LabelSchedule, 'from' | 'run'>;

export async function processLabelSchedules(run: SweepRun, hintKey: string, hintAt: number): Promise<void> {
  const { repo } = run.ctx;
  const storage = repo.labelSchedules();
  const now = run.now();
  // Listed early (the lookahead): it stays for its time, which a schedule just written may be counting on.
  if (hintAt > now) return;
  const schedules = await storage.list();
  const progress = new Map<string, Progress & { updated_at: string }>();
  let budget = NAMES_PER_RUN;
  for (const schedule of schedules) {
    let current = schedule.run;
    let from = schedule.from;
    if (!current) {
      const due = latestScheduled(schedule, ms(schedule.from) ?? 0, now);
      if (!due) continue;
      current = { kind: due.kind, at: iso(due.at) };
      from = iso(now);
    }
    if (budget <= 0) {
      progress.set(schedule.id, { updated_at: schedule.updated_at, from, run: current });
      continue;
    }
    const page = await repo.listNames({
      limit: budget,
      ...(current.after ? { startAfter: current.after } : {}),
    });
    budget -= page.names.length;
    const kind = current.kind;
    await runBounded(page.names, READ_CONCURRENCY, async ({ name }) => {
      try {
        const record = (await repo.read(name))?.value;
        if (isWorker(record) && applies(schedule, record)) {
          await carryOutScheduled(run, record, {
            due: (stored) => (applies(schedule, stored) ? kind : undefined),
            mark: (stored) => stored,
          });
        }
      } catch (error) {
        run.fail('schedule', name, error);
      }
    });
    const last = page.names.at(-1)?.name;
    const unfinished = page.cursor !== undefined && last !== undefined;
    progress.set(schedule.id, {
      updated_at: schedule.updated_at,
      from,
      ...(unfinished ? { run: { kind, at: current.at, after: last } } : {}),
    });
  }
  const stored =
    progress.size === 0 ? schedules : await storage.update((list) => withProgress(list, progress));
  const next = nextLook(stored, now);
  if (next !== undefined) await storage.fileHint(next);
  await repo.deleteHint(hintKey);
}

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

function withProgress(
  list: LabelSchedule[],
  progress: Map<string, Progress & { updated_at: string }>,
): LabelSchedule[] | undefined {
  let changed = false;
  const next = list.map((schedule) => {
    const made = progress.get(schedule.id);
    // Changed by the manager since it was read: its new version starts from its own time.
    if (!made || made.updated_at !== schedule.updated_at) return schedule;
    changed = true;
    const { run: _previous, ...rest } = schedule;
    return { ...rest, from: made.from, ...(made.run ? { run: made.run } : {}) };
  });
  return changed ? next : undefined;
}

/** When the sweeper must come back: now for an unfinished run, else the earliest next occurrence. */
export function nextLook(schedules: LabelSchedule[], now: number): number | undefined {
  let at: number | undefined;
  for (const schedule of schedules) {
    const mine = schedule.run ? now : nextScheduled(schedule, ms(schedule.from) ?? now)?.at;
    if (mine !== undefined && (at === undefined || mine < at)) at = mine;
  }
  return at;
}
