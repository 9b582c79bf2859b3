/**
 * How workers, their events and teams look in a terminal. The JSON answers are what `--json` prints; these are the
 * few fields a person scans for: phase and why, what the control plane will do next and when.
 *
 * @module
 */
import type { Team, Worker, WorkerEvent } from '../../client';
import { details, duration, relative, table } from './table';

const nextAction = (worker: Worker, now: number): string =>
  worker.next_action ? `${worker.next_action.kind} ${relative(worker.next_action.at, now)}` : '-';

export function workersTable(workers: Worker[], now: number): string {
  if (workers.length === 0) return 'no workers\n';
  return table(
    ['NAME', 'PHASE', 'REASON', 'TEAM', 'BACKEND', 'LAST ACTIVITY', 'NEXT', 'AGE'],
    workers.map((w) => [
      w.name,
      w.phase,
      w.reason,
      w.team ?? '-',
      w.backend,
      relative(w.last_activity_at, now),
      nextAction(w, now),
      relative(w.created_at, now).replace(' ago', ''),
    ]),
  );
}

export function workerDetails(w: Worker, now: number): string {
  const t = w.last_transition;
  const labels = Object.entries(w.labels).map(([key, value]) => `${key}=${value}`);
  return details([
    ['name', w.name],
    ['phase', `${w.phase} (${w.reason})`],
    ['status', `${w.status} (desired ${w.desired})`],
    ['backend', `${w.backend} (${w.deployment_mode})`],
    ['image', w.image],
    ['team', w.team ?? undefined],
    ['labels', labels.length ? labels.join(', ') : undefined],
    ['env', w.env_names.length ? w.env_names.join(', ') : undefined],
    ['created', `${w.created_at} (${relative(w.created_at, now)})`],
    ['ready at', w.ready_at ? `${w.ready_at} (${relative(w.ready_at, now)})` : undefined],
    ['last activity', relative(w.last_activity_at, now)],
    ['last heartbeat', relative(w.last_heartbeat_at, now)],
    ['next action', nextAction(w, now)],
    ['schedule', scheduleText(w.schedule)],
    ['idle timeout', w.idle_timeout_seconds ? duration(w.idle_timeout_seconds * 1000) : 'never'],
    ['expires', w.expires_at ? `${w.expires_at} (${relative(w.expires_at, now)})` : undefined],
    ['protected', w.deletion_protection ? 'yes (delete needs --force)' : undefined],
    ['last change', `${t.from} → ${t.to} (${t.reason}, by ${t.actor}) ${relative(t.at, now)}`],
    ['last error', w.last_error ?? undefined],
    ['console port', w.console_host_port === null ? undefined : String(w.console_host_port)],
    ['generation', `${w.generation} (observed ${w.observed_generation})`],
  ]);
}

const scheduleText = (schedule: Worker['schedule']): string | undefined =>
  schedule
    ? [
        schedule.wake ? `wake '${schedule.wake}'` : '',
        schedule.sleep ? `sleep '${schedule.sleep}'` : '',
        `(${schedule.time_zone})`,
      ]
        .filter(Boolean)
        .join(' ')
    : undefined;

export function eventsTable(events: WorkerEvent[], now: number): string {
  if (events.length === 0) return 'no events\n';
  return table(
    ['WHEN', 'FROM', 'TO', 'REASON', 'ACTOR', 'MESSAGE'],
    events.map((e) => [relative(e.at, now), e.from, e.to, e.reason, e.actor, e.message ?? '']),
  );
}

export function teamDetails(team: Team): string {
  return details([
    ['name', team.name],
    ['created', team.created_at],
    ['max workers', String(team.max_workers)],
    ['images', team.allowed_images.length ? team.allowed_images.join(', ') : 'any'],
    ['max ttl', team.max_ttl_seconds === null ? 'none' : `${team.max_ttl_seconds}s`],
    ['keys', team.keys.length ? team.keys.map((k) => `${k.id} (${k.created_at})`).join(', ') : 'none'],
    ['workers', team.workers.length ? team.workers.join(', ') : 'none'],
  ]);
}
