/**
 * Wake and sleep windows in cron syntax with a time zone, the only place that knows cron (through `croner`, a pure
 * library: no timers are started here, patterns are only parsed and asked for their next and previous times).
 *
 * A worker's schedule is stored on its record with `schedule_from`, the instant up to which its occurrences have
 * been carried out. The next occurrence after it is a deadline like any other (`nextAction`), so the ordinary due
 * hints bring the sweeper back at that time; the sweeper then applies the LATEST occurrence up to its clock and
 * moves `schedule_from` to now, which is how windows missed while the sweeper was down are applied once, not once
 * per missed occurrence.
 *
 * @module
 */

import { Cron } from 'croner';

export interface WorkerSchedule {
  /** Five-field cron pattern (minute hour day-of-month month day-of-week): wake at each match. */
  wake?: string;
  /** Five-field cron pattern: sleep at each match (a worker that reports busy sleeps once it no longer does). */
  sleep?: string;
  /** An IANA time zone the patterns are read in (DST included), e.g. `Europe/Berlin`. */
  time_zone: string;
}

export type ScheduledKind = 'wake' | 'sleep';

export interface ScheduledAction {
  kind: ScheduledKind;
  /** Epoch milliseconds. */
  at: number;
}

export interface ScheduleProblem {
  /** The field at fault, relative to the schedule object: `wake`, `sleep` or `time_zone`. */
  field: 'wake' | 'sleep' | 'time_zone';
  message: string;
}

/** Whether the runtime knows this IANA zone (`Intl` throws a RangeError for an unknown one). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with a schedule, or `undefined` when it is sound. Patterns have exactly five fields: the sweeper
 * runs once a minute, so a seconds field would promise a precision nothing keeps.
 */
export function scheduleProblem(schedule: {
  wake?: string | undefined;
  sleep?: string | undefined;
  time_zone: string;
}): ScheduleProblem | undefined {
  if (schedule.wake === undefined && schedule.sleep === undefined) {
    return { field: 'wake', message: 'a schedule needs at least one of wake and sleep' };
  }
  if (!isKnownTimeZone(schedule.time_zone)) {
    return { field: 'time_zone', message: `unknown time zone ${JSON.stringify(schedule.time_zone)}` };
  }
  for (const field of ['wake', 'sleep'] as const) {
    const pattern = schedule[field];
    if (pattern === undefined) continue;
    const fields = pattern.trim().split(/\s+/);
    if (fields.length !== 5) {
      return {
        field,
        message: `a cron pattern has five fields (minute hour day month weekday), got ${fields.length}`,
      };
    }
    try {
      if (cronOf(pattern, schedule.time_zone).nextRun() === null) {
        return { field, message: 'the cron pattern never matches' };
      }
    } catch (error) {
      return { field, message: `not a valid cron pattern: ${(error as Error).message}` };
    }
  }
  return undefined;
}

/** Parsed patterns are kept (bounded): `nextAction` runs on every record write and every rendering. */
const parsed = new Map<string, Cron>();
const PARSED_MAX = 512;

function cronOf(pattern: string, zone: string): Cron {
  const key = `${zone}\u0000${pattern}`;
  let cron = parsed.get(key);
  if (!cron) {
    cron = new Cron(pattern, { timezone: zone, paused: true });
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(key, cron);
  }
  return cron;
}

const kindsOf = (schedule: WorkerSchedule) =>
  (['wake', 'sleep'] as const).flatMap((kind) =>
    schedule[kind] !== undefined ? [{ kind, cron: cronOf(schedule[kind], schedule.time_zone) }] : [],
  );

/** The first occurrence strictly after `after` (a wake and a sleep at the same minute: the sleep wins). */
export function nextScheduled(schedule: WorkerSchedule, after: number): ScheduledAction | undefined {
  let best: ScheduledAction | undefined;
  for (const { kind, cron } of kindsOf(schedule)) {
    const at = cron.nextRun(new Date(after))?.getTime();
    if (at === undefined) continue;
    if (!best || at < best.at || (at === best.at && kind === 'sleep')) best = { kind, at };
  }
  return best;
}

/**
 * The latest occurrence in `(after, now]`, or `undefined` when none fell in it: the one occurrence a sweeper that
 * comes late applies (a wake and a sleep at the same minute: the sleep wins).
 */
export function latestScheduled(
  schedule: WorkerSchedule,
  after: number,
  now: number,
): ScheduledAction | undefined {
  let best: ScheduledAction | undefined;
  for (const { kind, cron } of kindsOf(schedule)) {
    // Cron times fall on whole minutes; asking from just past `now` makes an occurrence at `now` count.
    const at = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
    if (at === undefined || at <= after || at > now) continue;
    if (!best || at > best.at || (at === best.at && kind === 'sleep')) best = { kind, at };
  }
  return best;
}

/**
 * A schedule for every worker whose labels include `labels` (and that has no schedule of its own: a worker's own
 * schedule wins). Stored, all of them, in one small document; see `sweeper/label-schedules.ts`.
 */
export interface LabelSchedule extends WorkerSchedule {
  /** The manager's name for it (`PUT /schedules/{id}`). */
  id: string;
  /** Every one of these labels must be on the worker; at least one. */
  labels: Record<string, string>;
  /** Occurrences up to this instant are carried out (or being carried out: `run`). */
  from: string;
  created_at: string;
  updated_at: string;
  /** An occurrence being carried out across the fleet a page of workers at a time: the last name handled. */
  run?: { kind: ScheduledKind; at: string; after?: string };
}

export const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value);
