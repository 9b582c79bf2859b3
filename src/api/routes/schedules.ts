/**
 * Label schedules (manager key only): wake and sleep times in cron syntax for every worker whose labels include
 * the given ones, carried out by the sweeper. A worker's own `schedule` wins over them. Self-contained: its
 * schemas live here.
 *
 * @module
 */

import type { Context } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import {
  deleteLabelSchedule,
  getLabelSchedule,
  listLabelSchedules,
  MAX_LABEL_SCHEDULES,
  putLabelSchedule,
  type WorkerService,
} from '../../lifecycle';
import { WORKER_NAME_PATTERN } from '../../names';
import type { RouteTable } from '../route-table';
import { scheduleInput } from '../schedule-input';
import { emptyQuery, errorResponse } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

const EXAMPLE = {
  labels: { shift: 'office' },
  wake: '0 9 * * 1-5',
  sleep: '0 19 * * 1-5',
  time_zone: 'Europe/Berlin',
};

const selectorLabels = z
  .record(z.string().min(1).max(63), z.string().max(256))
  .refine((labels) => Object.keys(labels).length > 0, 'a label schedule needs at least one label')
  .refine((labels) => Object.keys(labels).length <= 16, 'at most 16 labels')
  .meta({ description: 'Applies to every worker carrying all these labels', example: { shift: 'office' } });

const putBody = scheduleInput.safeExtend({ labels: selectorLabels }).meta({
  id: 'LabelScheduleInput',
  description:
    'A schedule for every worker whose labels include `labels`; at least one of wake and sleep. Replaces one of the same id; a changed schedule counts from now.',
  example: EXAMPLE,
});

const isoTime = (description: string) =>
  z.string().meta({ description, example: '2026-12-07T08:00:00.000Z' });

const labelScheduleResponse = z
  .object({
    id: z.string().meta({ description: 'Its id', example: 'office-hours' }),
    labels: z
      .record(z.string(), z.string())
      .meta({ description: 'The labels a worker must carry', example: { shift: 'office' } }),
    wake: z
      .string()
      .optional()
      .meta({ description: 'Wake at each match (five cron fields)', example: '0 9 * * 1-5' }),
    sleep: z
      .string()
      .optional()
      .meta({ description: 'Sleep at each match (five cron fields)', example: '0 19 * * 1-5' }),
    time_zone: z
      .string()
      .meta({ description: 'The zone the patterns are read in', example: 'Europe/Berlin' }),
    next_action: z
      .object({
        kind: z.string().meta({ description: '`wake` or `sleep`', example: 'wake' }),
        at: isoTime('When (or, while it is being carried out across the fleet, the time it was due)'),
      })
      .nullable()
      .meta({
        description: 'The next occurrence the sweeper carries out',
        example: { kind: 'wake', at: '2026-12-07T08:00:00.000Z' },
      }),
    created_at: isoTime('Created'),
    updated_at: isoTime('Last changed'),
  })
  .meta({
    id: 'LabelSchedule',
    description: 'A label schedule',
    example: {
      id: 'office-hours',
      ...EXAMPLE,
      next_action: { kind: 'wake', at: '2026-12-07T08:00:00.000Z' },
      created_at: '2026-12-06T10:00:00.000Z',
      updated_at: '2026-12-06T10:00:00.000Z',
    },
  });

const errors = {
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Not a manager key', schema: errorResponse },
};
const notFound = { 404: { description: 'No such schedule', schema: errorResponse } };

/** An id is a DNS label like a worker name: a malformed one names nothing (404). */
function scheduleId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!WORKER_NAME_PATTERN.test(id)) throw new NotFoundError(`schedule ${id.slice(0, 64)} not found`);
  return id;
}

export function registerScheduleRoutes(routes: RouteTable, service: WorkerService): void {
  const { ctx } = service;
  routes.add(
    {
      method: 'put',
      path: '/schedules/{id}',
      operationId: 'putLabelSchedule',
      summary: 'Create or replace a label schedule',
      description: `Wakes and sleeps every worker whose labels include \`labels\` at the times of its cron patterns, read in \`time_zone\` (UTC when unset), with reason \`schedule\`. A worker with a \`schedule\` of its own follows only that. A bad pattern or zone is a 400 naming \`wake\`, \`sleep\` or \`time_zone\`. At most ${MAX_LABEL_SCHEDULES}.`,
      tag: 'schedules',
      access: 'admin',
      query: emptyQuery,
      body: putBody,
      responses: {
        200: { description: 'Replaced (or already so)', schema: labelScheduleResponse },
        201: { description: 'Created', schema: labelScheduleResponse },
        400: { description: 'Bad input, naming the field and the problem', schema: errorResponse },
        409: { description: 'Too many label schedules', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const id = scheduleId(c);
      const body = await readJsonBody(c, putBody);
      const { created, schedule } = await putLabelSchedule(ctx, id, body);
      return c.json(schedule, created ? 201 : 200);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/schedules',
      operationId: 'listLabelSchedules',
      summary: 'List the label schedules',
      tag: 'schedules',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: {
          description: 'Every label schedule, by id',
          schema: z.object({
            schedules: z
              .array(labelScheduleResponse)
              .meta({ description: 'Every label schedule', example: [] }),
          }),
        },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json({ schedules: await listLabelSchedules(ctx) });
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/schedules/{id}',
      operationId: 'getLabelSchedule',
      summary: 'Read a label schedule and its next occurrence',
      tag: 'schedules',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: { description: 'The schedule', schema: labelScheduleResponse },
        ...notFound,
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json(await getLabelSchedule(ctx, scheduleId(c)));
    },
  );
  routes.add(
    {
      method: 'delete',
      path: '/schedules/{id}',
      operationId: 'deleteLabelSchedule',
      summary: 'Delete a label schedule (idempotent)',
      tag: 'schedules',
      access: 'admin',
      query: emptyQuery,
      responses: { 204: { description: 'Deleted, or was not there' }, ...errors },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      await deleteLabelSchedule(ctx, scheduleId(c));
      return c.body(null, 204);
    },
  );
}
