/**
 * Readiness reports, heartbeats and ensure-ready.
 *
 * Readiness is bound to a boot: `starting → ready` needs the backend to show exactly one running instance started
 * after `boot.since − 30 s`, and that instance is remembered, so a heartbeat from the previous instance (HiClaw's
 * defect #9) can never make a new boot ready. One backend status call per boot; none per heartbeat, which only
 * reads the record and writes `beats/` at most every `beat_write_interval` (or when `busy` flips).
 *
 * @module
 */

import { ConflictError } from '../../errors';
import type { LifecycleContext } from '../context';
import { Driver } from '../driver';
import type { Beat, ReportInput, WorkerRecord } from '../model';
import {
  type Actor,
  actorLabel,
  BOOT_SKEW_MS,
  isExpired,
  isLeaseLive,
  iso,
  isWorker,
  nextAction,
  resourceNameOf,
  TRANSITIONAL_PHASES,
  takeLeaseIfFree,
  transition,
} from '../model';
import { applyIntent, type IntentOptions, requireWorker } from './intent';
import { renderWorker, type WorkerView } from './views';
import { wakeBuild } from './wake-sleep';

/** Handles `POST /workers/{name}/ready` for an already authenticated worker record. */
export async function reportReady(
  ctx: LifecycleContext,
  record: WorkerRecord,
  report: ReportInput,
): Promise<void> {
  const now = ctx.clock.now();
  if (record.phase === 'pending') {
    // A first boot's usual answer: the backend starts the container before the driver records `starting`, and a
    // quick worker reports in between. Say so, so the worker's log does not read like a fault.
    throw new ConflictError(
      `worker ${record.name} is pending: the orchestrator started it but has not recorded that yet; report again in a moment`,
      'invalid_phase',
      { retryAfterSeconds: 1 },
    );
  }
  if (record.phase !== 'starting' && record.phase !== 'ready') {
    throw new ConflictError(
      `worker ${record.name} is ${record.phase}; readiness reports count only while starting or ready`,
      'invalid_phase',
    );
  }
  if (record.phase === 'ready') {
    await heartbeat(ctx, record, report, now);
    return;
  }
  const instanceId = await currentBootInstance(ctx, record, report);
  let accepted = false;
  const written = await ctx.repo.mutate(record.name, (current) => {
    accepted = false;
    if (!isWorker(current) || current.uid !== record.uid || current.key_hash !== record.key_hash)
      return undefined;
    if (current.phase === 'ready') return undefined;
    if (current.phase !== 'starting' || current.boot.epoch !== record.boot.epoch) {
      throw new ConflictError(`worker ${record.name} is ${current.phase}; report again`, 'invalid_phase');
    }
    accepted = true;
    const { last_error: _e, next_check_at: _n, ...rest } = current;
    return transition(
      { ...rest, attempts: 0, ready_at: iso(now), boot: { ...current.boot, instance_id: instanceId } },
      'ready',
      { reason: 'ready', actor: 'worker' },
      now,
    );
  });
  const current = written.value;
  if (accepted && isWorker(current)) {
    // The new boot's first beat carries the incarnation's busy clock: an instance the driver replaced (an update,
    // a restart) while it reported busy was busy until about now, and the idle clock must not go back before that.
    await writeBeat(ctx, current, report, now);
    return;
  }
  // Another report of this boot made it ready first: this one is a heartbeat of it, and its `busy` must count
  // (answering 200 without a beat dropped it, and the worker could be slept as idle mid-work).
  if (
    isWorker(current) &&
    current.uid === record.uid &&
    current.key_hash === record.key_hash &&
    current.phase === 'ready'
  ) {
    await heartbeat(ctx, current, report, now);
    return;
  }
  throw new ConflictError(
    `worker ${record.name} changed while this report was handled; report again`,
    'invalid_phase',
  );
}

/** A report while ready: from the bound instance only, and written to `beats/` when due. */
async function heartbeat(ctx: LifecycleContext, record: WorkerRecord, report: ReportInput, now: number) {
  if (
    report.instance_id &&
    record.boot.instance_id &&
    !sameInstance(report.instance_id, record.boot.instance_id)
  ) {
    throw new ConflictError(
      'this report comes from an instance that is not the current boot',
      'stale_instance',
    );
  }
  await writeBeatIfDue(ctx, record, report, now);
}

/**
 * The one backend call of a boot: exactly one running instance started after `boot.since − 30 s`. A report that
 * names an instance must name that one.
 */
async function currentBootInstance(ctx: LifecycleContext, record: WorkerRecord, report: ReportInput) {
  const backend = ctx.backends.get(record.spec.backend);
  const { deployment_id } = await ctx.deployment();
  const status = await backend.status({
    resourceName: resourceNameOf(record, deployment_id),
    ...(record.backend_ref?.id ? { id: record.backend_ref.id } : {}),
  });
  const since = Date.parse(record.boot.since) - BOOT_SKEW_MS;
  const fresh = status.instances.filter((instance) => instance.startedAt >= since);
  if (fresh.length !== 1 || status.instances.length !== 1) {
    throw new ConflictError(
      `the backend shows ${fresh.length} instance(s) of this boot and ${status.instances.length} running; report again shortly`,
      'not_ready',
      { retryAfterSeconds: 2 },
    );
  }
  const instance = fresh[0]!;
  if (report.instance_id && !sameInstance(report.instance_id, instance.id)) {
    throw new ConflictError(
      'this report comes from an instance that is not the current boot',
      'stale_instance',
    );
  }
  return instance.id;
}

/** Backends give short or long forms of one id (Docker: 12 vs 64 hex); a 12+ character prefix match is the same. */
const sameInstance = (a: string, b: string) =>
  a === b || (Math.min(a.length, b.length) >= 12 && (a.startsWith(b) || b.startsWith(a)));

/**
 * How long a stored busy beat answers for a busy report without a write: two heartbeats. A busy report that
 * writes nothing relies on the stored beat staying busy; an idle report still in flight from before (a stalled
 * store call) may replace it afterwards, so the idle clock such a report starts is put no earlier than this after
 * the beat it replaces (see `writeBeat`): never before a busy report that relied on that beat.
 */
const busyRefreshMs = (ctx: LifecycleContext) => 2 * ctx.settings.heartbeatIntervalSeconds * 1000;

function writeBeatIfDue(ctx: LifecycleContext, record: WorkerRecord, report: ReportInput, now: number) {
  const busy = report.busy ?? false;
  return writeBeat(ctx, record, report, now, (last) => {
    if (!last || last.uid !== record.uid || last.busy !== busy) return true;
    const age = now - Date.parse(last.at);
    // Only liveness is coalesced to the write interval; a busy beat is refreshed every two heartbeats.
    return age >= ctx.settings.beatWriteIntervalSeconds * 1000 || (busy && age >= busyRefreshMs(ctx));
  });
}

/**
 * Writes what this report says to `beats/`, over exactly the beat it read. A report that took long to get here
 * (a stalled store call) writes nothing over a newer beat of the same incarnation: what it says is older than
 * what is stored (an idle report overwriting a later busy one made a busy worker look idle).
 */
async function writeBeat(
  ctx: LifecycleContext,
  record: WorkerRecord,
  report: ReportInput,
  now: number,
  due: (last: Beat | null) => boolean = () => true,
) {
  const busy = report.busy ?? false;
  for (let attempt = 0; attempt < BEAT_WRITE_ATTEMPTS; attempt++) {
    const read = await ctx.repo.readBeatVersioned(record.name);
    const last = read?.value ?? null;
    const own = last && last.uid === record.uid ? last : null;
    if (own && Date.parse(own.at) > now) {
      // Older than the stored beat: what it says of now is stale, and the newer beat stands. But a busy report
      // was activity when it was made, and its answer told the worker so: the idle clock may not start before it.
      const lastBusyAt = own.busy_at ? Date.parse(own.busy_at) : 0;
      if (!busy || own.busy || lastBusyAt >= now) return;
      if (await ctx.repo.writeBeat(record.name, { ...own, busy_at: iso(now) }, read?.etag ?? null)) return;
      continue;
    }
    if (!due(last)) return;
    // A worker that was busy at its previous report was busy until about now: turning idle starts the idle
    // clock here, not at the last time the busy beat happened to be rewritten — and not before a busy report
    // that relied on that beat without writing (up to `busyRefreshMs` after it), answered while this one was
    // in flight.
    const previousBusyAt = own?.busy
      ? iso(Math.max(now, Date.parse(own.at) + busyRefreshMs(ctx)))
      : own?.busy_at;
    const beat: Beat = {
      at: iso(now),
      uid: record.uid,
      ...(report.instance_id ? { instance_id: report.instance_id } : {}),
      busy,
      ...(busy ? { busy_at: iso(now) } : previousBusyAt ? { busy_at: previousBusyAt } : {}),
    };
    // A busy beat holds the idle sleep (and a scheduled sleep) off until it goes stale, and the sweeper files its
    // next hint that late; turning idle ends that at once, so the earlier deadline gets its hint first (hint before
    // the write).
    if (own?.busy && !busy) {
      const at = nextAction(record, ctx.settings, beat)?.at;
      if (at !== undefined) await ctx.repo.putHint(at, record.name, record.write_id);
    }
    if (await ctx.repo.writeBeat(record.name, beat, read?.etag ?? null)) return;
  }
}

/** Reports racing on one beat: a few re-reads, then this report's beat is left to the next heartbeat. */
const BEAT_WRITE_ATTEMPTS = 3;

export interface EnsureReadyResult {
  ready: boolean;
  worker: WorkerView;
  retryAfterSeconds?: number;
}

const POLL_MS = 500;

/**
 * Wakes if needed, drives the operation if nobody else is (or the driver died), then waits for `ready` at most
 * `min(timeout, ensureReadyMaxSeconds)`. It counts as activity. With `ifMatch` the one wake is conditional (the
 * version is compared inside the write that records it) and nothing after it writes an intent again: a sleep
 * another client records while this request drives or waits stands.
 */
export async function ensureReady(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  timeoutSeconds: number,
  options: Pick<IntentOptions, 'ifMatch'> = {},
): Promise<EnsureReadyResult> {
  const deadline = ctx.clock.now() + Math.min(timeoutSeconds, ctx.settings.ensureReadyMaxSeconds) * 1000;
  const wakeIt = wakeBuild(actor);
  await applyIntent(
    ctx,
    name,
    actor,
    (record, now) => {
      refuseHopeless(record, now);
      const woken = wakeIt(record, now);
      return { ...(woken ?? record), last_activity_at: iso(now) };
    },
    // The wait is bounded by the caller's timeout, driving included.
    { ...options, deadline },
  );
  return awaitReady(ctx, name, actor, deadline);
}

/** The half of ensure-ready that writes no intent: take an abandoned operation over, then poll until `deadline`. */
async function awaitReady(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  deadline: number,
): Promise<EnsureReadyResult> {
  await takeOverIfAbandoned(ctx, name, actor, deadline);
  for (;;) {
    const record = await requireWorker(ctx, name);
    refuseHopeless(record, ctx.clock.now());
    if (record.phase === 'ready') {
      return { ready: true, worker: renderWorker(ctx, record, await ctx.repo.readBeat(name)) };
    }
    if (ctx.clock.now() + POLL_MS > deadline) {
      return { ready: false, worker: renderWorker(ctx, record, null), retryAfterSeconds: 5 };
    }
    await ctx.clock.sleep(POLL_MS);
  }
}

function refuseHopeless(record: WorkerRecord, now: number): void {
  if (record.phase === 'failed') {
    throw new ConflictError(
      `worker ${record.name} has failed: ${record.last_error ?? 'see its events'}; wake or update it`,
      'failed',
    );
  }
  if (record.desired === 'deleted')
    throw new ConflictError(`worker ${record.name} is being deleted`, 'deleting');
  if (isExpired(record, now)) throw new ConflictError(`worker ${record.name} has expired`, 'expired');
}

/** A transitional worker whose lease expired (its driver died) is taken over here rather than left to the sweeper. */
async function takeOverIfAbandoned(ctx: LifecycleContext, name: string, actor: Actor, deadline: number) {
  let leaseId: string | undefined;
  await ctx.repo.mutate(name, (current) => {
    leaseId = undefined;
    if (!isWorker(current)) return undefined;
    const now = ctx.clock.now();
    const needsDriving =
      current.observed_generation < current.spec_generation ||
      current.applied_template_generation < current.template_generation ||
      (TRANSITIONAL_PHASES.has(current.phase) && current.phase !== 'starting');
    if (!needsDriving || isLeaseLive(current, now)) return undefined;
    const taken = takeLeaseIfFree(current, ctx.owner, now, ctx.settings);
    leaseId = taken.leaseId;
    return taken.record;
  });
  if (leaseId) await new Driver(ctx).drive(name, leaseId, { deadline, actor: actorLabel(actor) });
}
