/**
 * A worker's schedule as a request gives it: checked (a bad pattern or an unknown time zone is a 400 naming the
 * field), completed (UTC when no zone is given) and compared, so re-sending the same schedule changes nothing.
 *
 * @module
 */

import { ValidationError } from '../../errors';
import type { ScheduleInput, WorkerRecord, WorkerSchedule } from '../model';
import { iso, scheduleProblem } from '../model';

/** `field`: where the schedule sits in the request (`schedule` on a worker; `null` for a label schedule's body). */
export function resolveSchedule(input: ScheduleInput, field: string | null = 'schedule'): WorkerSchedule {
  const schedule: WorkerSchedule = {
    ...(input.wake !== undefined ? { wake: input.wake.trim() } : {}),
    ...(input.sleep !== undefined ? { sleep: input.sleep.trim() } : {}),
    time_zone: input.time_zone ?? 'UTC',
  };
  const problem = scheduleProblem(schedule);
  if (problem) {
    const at = field === null ? problem.field : `${field}.${problem.field}`;
    throw new ValidationError(`${at}: ${problem.message}`, at);
  }
  return schedule;
}

const sameSchedule = (a: WorkerSchedule | undefined, b: WorkerSchedule | undefined) =>
  a?.wake === b?.wake && a?.sleep === b?.sleep && a?.time_zone === b?.time_zone;

/**
 * Sets (or with `null` removes) the schedule. A new or changed schedule counts from now: occurrences before the
 * write are not carried out afterwards. The same schedule again keeps its place.
 */
export function withSchedule(
  record: WorkerRecord,
  schedule: WorkerSchedule | null,
  now: number,
): WorkerRecord {
  const { schedule: _old, schedule_from: from, ...rest } = record;
  if (schedule === null) return rest;
  if (sameSchedule(record.schedule, schedule) && from !== undefined) return record;
  return { ...rest, schedule, schedule_from: iso(now) };
}
