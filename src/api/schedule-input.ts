/**
 * The `schedule` field of a worker (create, PATCH, and the worker as shown): wake and sleep times in cron syntax,
 * read in a time zone. A bad pattern or an unknown zone is a 400 naming `schedule.wake`, `schedule.sleep` or
 * `schedule.time_zone` and the problem, decided by the lifecycle's own check (the one its sweeper relies on).
 *
 * @module
 */

import { z } from 'zod';
import { scheduleProblem } from '../lifecycle';

const pattern = (description: string, example: string) =>
  z.string().min(1).max(128).meta({ description, example });

const fields = {
  wake: pattern(
    'Wake at each match: five cron fields (minute hour day-of-month month day-of-week), in `time_zone`',
    '0 9 * * 1-5',
  ).optional(),
  sleep: pattern(
    'Sleep at each match (five cron fields); a worker that reports busy sleeps once it no longer does',
    '0 19 * * 1-5',
  ),
};

const EXAMPLE = { wake: '0 9 * * 1-5', sleep: '0 19 * * 1-5', time_zone: 'Europe/Berlin' };

export const scheduleInput = z
  .strictObject({
    wake: fields.wake,
    sleep: fields.sleep.optional(),
    time_zone: z.string().min(1).max(64).optional().meta({
      description: 'The IANA time zone the patterns are read in (DST included); UTC when unset',
      example: 'Europe/Berlin',
    }),
  })
  .superRefine((value, ctx) => {
    const problem = scheduleProblem({ ...value, time_zone: value.time_zone ?? 'UTC' });
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  })
  .meta({
    id: 'ScheduleInput',
    description:
      'Wake and sleep times in cron syntax, carried out by the sweeper (reason `schedule`); at least one of wake and sleep. A worker’s own schedule wins over a label schedule.',
    example: EXAMPLE,
  });

export const scheduleView = z
  .object({
    wake: fields.wake,
    sleep: fields.sleep.optional(),
    time_zone: z
      .string()
      .meta({ description: 'The IANA time zone the patterns are read in', example: 'Europe/Berlin' }),
  })
  .meta({ id: 'Schedule', description: 'The worker’s own wake and sleep times', example: EXAMPLE });
