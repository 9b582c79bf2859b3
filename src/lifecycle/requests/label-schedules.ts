/**
 * Label schedules as the manager manages them (`PUT/GET/DELETE /schedules/{id}`, `GET /schedules`): a wake and
 * sleep schedule for every worker whose labels include the given ones. They live in one small document (see
 * `persistence/label-schedules.ts`) and are carried out by the sweeper (`sweeper/label-schedules.ts`).
 *
 * @module
 */

import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { LabelSchedule, ScheduleInput } from '../model';
import { iso, ms, nextScheduled } from '../model';
import { resolveSchedule } from './schedule';

/** The document stays small: it is read whole by every sweeper run that carries one out. */
export const MAX_LABEL_SCHEDULES = 100;

export interface LabelScheduleInput extends ScheduleInput {
  labels: Record<string, string>;
}

export interface LabelScheduleView {
  id: string;
  labels: Record<string, string>;
  wake?: string;
  sleep?: string;
  time_zone: string;
  /** The next occurrence, or the one being carried out now. */
  next_action: { kind: string; at: string } | null;
  created_at: string;
  updated_at: string;
}

export function renderLabelSchedule(schedule: LabelSchedule): LabelScheduleView {
  const next = schedule.run
    ? { kind: schedule.run.kind, at: schedule.run.at }
    : (() => {
        const found = nextScheduled(schedule, ms(schedule.from) ?? 0);
        return found ? { kind: found.kind, at: iso(found.at) } : null;
      })();
  return {
    id: schedule.id,
    labels: schedule.labels,
    ...(schedule.wake !== undefined ? { wake: schedule.wake } : {}),
    ...(schedule.sleep !== undefined ? { sleep: schedule.sleep } : {}),
    time_zone: schedule.time_zone,
    next_action: next,
    created_at: schedule.created_at,
    updated_at: schedule.updated_at,
  };
}

const notFound = (id: string) => new NotFoundError(`schedule ${id} not found`, { details: { id } });

export async function listLabelSchedules(ctx: LifecycleContext): Promise<LabelScheduleView[]> {
  return (await ctx.repo.labelSchedules().list()).map(renderLabelSchedule);
}

export async function getLabelSchedule(ctx: LifecycleContext, id: string): Promise<LabelScheduleView> {
  const found = (await ctx.repo.labelSchedules().list()).find((s) => s.id === id);
  if (!found) throw notFound(id);
  return renderLabelSchedule(found);
}

/**
 * Creates or replaces one. A new or changed schedule counts from now; the same one again changes nothing. Its
 * hint is filed before the document is written, so a schedule is never stored without the hint that brings the
 * sweeper back for it.
 */
export async function putLabelSchedule(
  ctx: LifecycleContext,
  id: string,
  input: LabelScheduleInput,
): Promise<{ created: boolean; schedule: LabelScheduleView }> {
  if (Object.keys(input.labels).length === 0) {
    throw new ValidationError('labels: a label schedule needs at least one label', 'labels');
  }
  const schedule = resolveSchedule(input, null);
  const now = ctx.clock.now();
  const storage = ctx.repo.labelSchedules();
  const next = nextScheduled(schedule, now);
  if (next) await storage.fileHint(next.at);
  let created = false;
  const list = await storage.update((current) => {
    const existing = current.find((s) => s.id === id);
    created = !existing;
    if (existing && sameDefinition(existing, { ...schedule, labels: input.labels })) return undefined;
    if (!existing && current.length >= MAX_LABEL_SCHEDULES) {
      throw new ConflictError(`at most ${MAX_LABEL_SCHEDULES} label schedules`, 'too_many_schedules');
    }
    const entry: LabelSchedule = {
      id,
      labels: input.labels,
      ...schedule,
      from: iso(now),
      created_at: existing?.created_at ?? iso(now),
      updated_at: iso(now),
    };
    return [...current.filter((s) => s.id !== id), entry].sort((a, b) => (a.id < b.id ? -1 : 1));
  });
  const stored = list.find((s) => s.id === id);
  if (!stored) throw notFound(id);
  return { created, schedule: renderLabelSchedule(stored) };
}

/** Removes one; idempotent (answers whether it was there). */
export async function deleteLabelSchedule(ctx: LifecycleContext, id: string): Promise<boolean> {
  let found = false;
  await ctx.repo.labelSchedules().update((current) => {
    found = current.some((s) => s.id === id);
    return found ? current.filter((s) => s.id !== id) : undefined;
  });
  return found;
}

const canonicalLabels = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

const sameDefinition = (
  a: Pick<LabelSchedule, 'wake' | 'sleep' | 'time_zone' | 'labels'>,
  b: Pick<LabelSchedule, 'wake' | 'sleep' | 'time_zone' | 'labels'>,
) =>
  a.wake === b.wake &&
  a.sleep === b.sleep &&
  a.time_zone === b.time_zone &&
  canonicalLabels(a.labels) === canonicalLabels(b.labels);
