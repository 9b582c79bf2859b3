/**
 * Manager intents: wake, sleep, delete, update, key rotation and activity.
 *
 * Each is ONE conditional write that records the intent (desired state or spec, `spec_generation` + 1) and, in the
 * same write, takes the operation lease if it is free. Only then does the caller drive the backend. A request
 * that finds a live lease just records its intent and answers 202: the holder sees the moved generation before it
 * releases, so no intent is lost and no two functions ever drive one worker.
 *
 * @module
 */

import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import { type DriveResult, Driver } from '../driver';
import type { Phase, Reason, UpdateInput, WorkerRecord } from '../model';
import {
  type Actor,
  AWAKE_PHASES,
  actorLabel,
  bumpBoot,
  hmacHex,
  isAwake,
  isExpired,
  isLeaseLive,
  iso,
  isWorker,
  mintWorkerKey,
  resetAttempts,
  sha256Hex,
  takeLeaseIfFree,
  transition,
} from '../model';
import { actorOwns, assertActorOwns, checkTeamUpdate } from '../teams';
import { assertNoInjectedEnv, canonical, resolveExpiry } from './create';
import { renderWorker, type WorkerView } from './views';

export interface IntentResult {
  /** True when this request changed something the backend must act on (202), false when already there (200). */
  began: boolean;
  worker: WorkerView;
  drive?: DriveResult;
}

type Build = (record: WorkerRecord, now: number) => WorkerRecord | undefined;

const notFound = (name: string) =>
  new NotFoundError(`worker ${name} not found`, { details: { name, status: 'not_found' } });

/** Reads the live record or throws 404 (a tombstone counts as gone). */
export async function requireWorker(ctx: LifecycleContext, name: string): Promise<WorkerRecord> {
  const current = (await ctx.repo.read(name))?.value;
  if (!isWorker(current)) throw notFound(name);
  return current;
}

/**
 * Records an intent with CAS, takes the lease when the intent needs the backend, drives within the request's
 * budget, and renders the result.
 */
export async function applyIntent(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  build: Build,
  options: { plaintextKey?: string; deadline?: number } = {},
): Promise<IntentResult> {
  let leaseId: string | undefined;
  let began = false;
  const written = await ctx.repo.mutate(name, (current) => {
    if (!isWorker(current)) throw notFound(name);
    assertActorOwns(actor, current);
    const now = ctx.clock.now();
    const next = build(current, now);
    leaseId = undefined;
    began = false;
    if (!next) return undefined;
    if (next.spec_generation === current.spec_generation) return next;
    began = true;
    const taken = takeLeaseIfFree(next, ctx.owner, now, ctx.settings);
    leaseId = taken.leaseId;
    return taken.record;
  });
  let drive: DriveResult | undefined;
  let record = written.value as WorkerRecord;
  if (leaseId) {
    drive = await new Driver(ctx).drive(name, leaseId, {
      ...(options.plaintextKey ? { plaintextKey: options.plaintextKey } : {}),
      deadline: options.deadline ?? ctx.clock.now() + ctx.settings.requestDriveBudgetMs,
      actor: actorLabel(actor),
    });
    const after = (await ctx.repo.read(name))?.value;
    if (isWorker(after)) record = after;
  }
  return { began, worker: renderWorker(ctx, record, null), ...(drive ? { drive } : {}) };
}

const bumpSpec = (record: WorkerRecord): WorkerRecord => ({
  ...record,
  spec_generation: record.spec_generation + 1,
});

function refuseWhenDeleting(record: WorkerRecord): void {
  if (record.desired === 'deleted') {
    throw new ConflictError(`worker ${record.name} is being deleted`, 'deleting', { retryAfterSeconds: 5 });
  }
}

/** The wake intent, shared by `/start`, `/wake`, ensure-ready and `activity?wake=true`. */
export function wakeBuild(actor: Actor, reason: Reason = 'manual'): Build {
  return (record, now) => {
    refuseWhenDeleting(record);
    if (isExpired(record, now)) throw new ConflictError(`worker ${record.name} has expired`, 'expired');
    if (record.unmanaged) {
      throw new ConflictError(
        `worker ${record.name} is not managed here: its resource is never started`,
        'unmanaged',
      );
    }
    const awake = record.desired === 'running' && record.phase !== 'failed';
    // Waking an awake worker changes nothing on the backend, but it is activity (DESIGN §5): it restarts the
    // idle clock, so a sweeper that decided to sleep the worker a moment earlier loses its conditional write.
    if (awake) return { ...record, last_activity_at: iso(now) };
    // Awake, the worker has a resource again: a removal asked for by the last sleep no longer describes it.
    const { sleep_removes_resource: _removed, ...asleep } = record;
    const woken = bumpBoot(resetAttempts(bumpSpec(asleep)), now);
    return transition(
      { ...woken, desired: 'running', woke_at: iso(now), last_activity_at: iso(now) },
      'starting',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

export const wake = (ctx: LifecycleContext, name: string, actor: Actor) =>
  applyIntent(ctx, name, actor, wakeBuild(actor));

/**
 * The sleep intent; the sweeper uses it with reason `idle`. `removeResource` deletes the resource instead of
 * stopping it (the record stays; a wake creates a new one). Each sleep sets or clears that choice, so an idle sleep
 * after a wake never inherits an earlier removal.
 */
export function sleepBuild(actor: Actor, reason: Reason = 'manual', removeResource = false): Build {
  return (record, now) => {
    refuseWhenDeleting(record);
    if (record.desired === 'sleeping' && (record.sleep_removes_resource ?? false) === removeResource)
      return undefined;
    const { sleep_removes_resource: _previous, ...rest } = record;
    return transition(
      {
        ...resetAttempts(bumpSpec(rest)),
        desired: 'sleeping',
        ...(removeResource ? { sleep_removes_resource: true as const } : {}),
      },
      'stopping',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

export const sleep = (ctx: LifecycleContext, name: string, actor: Actor, removeResource = false) =>
  applyIntent(ctx, name, actor, sleepBuild(actor, 'manual', removeResource));

export function deleteBuild(actor: Actor, reason: Reason = 'manual', force = false): Build {
  return (record, now) => {
    if (record.desired === 'deleted') return undefined;
    if (record.deletion_protection && !force) {
      throw new ConflictError(
        `worker ${record.name} has deletion_protection; use ?force=true to delete it anyway`,
        'deletion_protected',
      );
    }
    return transition(
      { ...resetAttempts(bumpSpec(record)), desired: 'deleted' },
      'deleting',
      { reason, actor: actorLabel(actor) },
      now,
    );
  };
}

/** DELETE: 204 whether it existed or not, from every phase. */
export async function deleteWorker(ctx: LifecycleContext, name: string, actor: Actor, force: boolean) {
  const current = (await ctx.repo.read(name))?.value;
  // Another team's worker answers as one that is not there: 204, and nothing done.
  if (!isWorker(current) || !actorOwns(actor, current)) return;
  if (current.desired === 'deleted' && current.op && Date.parse(current.op.expires_at) > ctx.clock.now())
    return;
  if (force && actor.kind === 'team') {
    // deletion_protection is the manager's to set, so overriding it is the manager's too.
    throw new ForbiddenError('force can be used with a manager key only', { details: { field: 'force' } });
  }
  await applyIntent(ctx, name, actor, (record, now) => {
    const next = deleteBuild(actor, 'manual', force)(record, now);
    // A delete already recorded but no longer driven (its driver died): take it over.
    return next ?? (isLeaseLive(record, now) ? undefined : bumpSpec(record));
  });
}

/** Keys that change what runs: the instance is recreated for them. */
const TEMPLATE_FIELDS = [
  'image',
  'env',
  'network',
  'extra_hosts',
  'working_dir',
  'resources',
  'profile',
] as const;

/**
 * The checks an update passes before it writes anything: its own shape, the caller's ownership and what a team
 * key may set. A caller that combines an update with another intent (HiClaw's PUT with a `state`) runs these
 * first, so a refused update changes nothing at all.
 */
export async function checkUpdate(ctx: LifecycleContext, name: string, patch: UpdateInput, actor: Actor) {
  assertNoInjectedEnv(patch.env);
  if (patch.ttl_seconds !== undefined && patch.expires_at !== undefined) {
    throw new ValidationError('give either ttl_seconds or expires_at, not both', 'ttl_seconds');
  }
  const current = await requireWorker(ctx, name);
  assertActorOwns(actor, current);
  await checkTeamUpdate(ctx, actor, current.expires_at, patch);
  return current;
}

export async function updateWorker(ctx: LifecycleContext, name: string, patch: UpdateInput, actor: Actor) {
  const current = await checkUpdate(ctx, name, patch, actor);
  const hmacKey = await ctx.hmacKey();
  const envHmacPatch = new Map<string, string | null>();
  const newValues = new Map<string, string>();
  for (const [k, v] of Object.entries(patch.env ?? {})) {
    envHmacPatch.set(k, v === null ? null : await hmacHex(hmacKey, v));
    if (v !== null) newValues.set(k, v);
  }
  await ctx.repo.addSecretCandidates(name, current.uid, Object.fromEntries(newValues), ctx.clock.now());
  return applyIntent(ctx, name, actor, (record, now) => {
    refuseWhenDeleting(record);
    if (record.uid !== current.uid) throw notFound(name);
    let next: WorkerRecord = { ...record, spec: { ...record.spec }, labels: { ...record.labels } };
    if (patch.image !== undefined) next.spec.image = patch.image;
    if (patch.env) {
      // A Map: env names such as `__proto__` must stay ordinary keys.
      const env = new Map(Object.entries(next.spec.env_hmac));
      for (const [k, v] of envHmacPatch) {
        if (v === null) env.delete(k);
        else env.set(k, v);
      }
      next.spec.env_hmac = Object.fromEntries(env);
    }
    applyNullable(next.spec, 'network', patch.network);
    applyNullable(next.spec, 'extra_hosts', patch.extra_hosts);
    applyNullable(next.spec, 'working_dir', patch.working_dir);
    applyNullable(next.spec, 'resources', patch.resources);
    applyNullable(next.spec, 'profile', patch.profile);
    for (const [k, v] of Object.entries(patch.labels ?? {})) {
      if (v === null) delete next.labels[k];
      else next.labels[k] = v;
    }
    if (patch.idle_timeout_seconds !== undefined) next.idle_timeout_seconds = patch.idle_timeout_seconds;
    if (patch.deletion_protection !== undefined) next.deletion_protection = patch.deletion_protection;
    if (patch.ttl_seconds !== undefined || patch.expires_at !== undefined) {
      const expires = patch.expires_at === null ? undefined : resolveExpiry(patch, now);
      const { expires_at: _old, ...rest } = next;
      next = expires ? { ...rest, expires_at: expires } : rest;
    }
    // Re-sending the same image or env is not a change: only a template that differs rolls the worker.
    // A failed worker, or one whose template never reached the backend, is rolled even by the same values:
    // re-sending them is how a user retries (an update is an explicit way out of `failed`).
    const retry =
      record.phase === 'failed' || record.applied_template_generation < record.template_generation;
    const given = TEMPLATE_FIELDS.some((field) => patch[field] !== undefined);
    const rolls = given && (retry || !sameTemplate(record.spec, next.spec));
    if (!rolls) return next;
    return rollTemplate(next, now, { reason: 'updated', actor: actorLabel(actor) });
  });
}

const canonicalTemplate = (spec: WorkerRecord['spec']) =>
  JSON.stringify([
    spec.image,
    Object.entries(spec.env_hmac).sort(([a], [b]) => (a < b ? -1 : 1)),
    spec.network ?? null,
    spec.extra_hosts ?? null,
    spec.working_dir ?? null,
    spec.resources ? [spec.resources.cpu_millicores ?? null, spec.resources.memory_mb ?? null] : null,
    // Canonical: the same profile with its keys in another order is not a change.
    spec.profile ? canonical(spec.profile) : null,
  ]);
const sameTemplate = (a: WorkerRecord['spec'], b: WorkerRecord['spec']) =>
  canonicalTemplate(a) === canonicalTemplate(b);

function applyNullable<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | null | undefined,
) {
  if (value === undefined) return;
  if (value === null) delete target[key];
  else target[key] = value;
}

/**
 * A new template (image, env, resources, key): an awake worker is rolled now (`updating`, a new boot); a sleeping
 * one takes it at its next wake; a failed one is retried with it (an update is an explicit way out of `failed`).
 */
function rollTemplate(
  record: WorkerRecord,
  now: number,
  cause: { reason: Reason; actor: string },
): WorkerRecord {
  const next = bumpSpec({ ...record, template_generation: record.template_generation + 1 });
  const wasFailed = record.phase === 'failed';
  if (!isAwake(record) && !(wasFailed && record.desired === 'running')) return resetAttempts(next);
  return transition(bumpBoot(resetAttempts(next), now), 'updating' as Phase, cause, now);
}

export interface RotateResult extends IntentResult {
  /** Absent when the key will only be minted at the worker's next start (it sleeps). */
  apiKey?: string;
}

/** Rotation is an update: the worker is rolled with the new key; the old one keeps working for STS only. */
export async function rotateKey(ctx: LifecycleContext, name: string, actor: Actor): Promise<RotateResult> {
  const apiKey = mintWorkerKey(name, ctx.settings.keyPrefix);
  const hash = await sha256Hex(apiKey);
  const grace = ctx.settings.rotationGraceSeconds;
  const result = await applyIntent(
    ctx,
    name,
    actor,
    (record, now) => {
      refuseWhenDeleting(record);
      const { prev_key_hash: _p, prev_key_valid_until: _u, ...rest } = record;
      const rotated: WorkerRecord = {
        ...rest,
        key_hash: hash,
        ...(grace > 0
          ? { prev_key_hash: record.key_hash, prev_key_valid_until: iso(now + grace * 1000) }
          : {}),
      };
      return rollTemplate(rotated, now, { reason: 'key_rotated', actor: actorLabel(actor) });
    },
    { plaintextKey: apiKey },
  );
  // The key is returned only if it is the one the worker now runs with. A sleeping worker (or one whose
  // driver is busy elsewhere) gets a fresh key when it is next started; the old key is revoked either way.
  const after = (await ctx.repo.read(name))?.value;
  const delivered =
    isWorker(after) &&
    after.key_hash === hash &&
    after.applied_template_generation >= after.template_generation;
  return { ...result, ...(delivered ? { apiKey } : {}) };
}

/**
 * Work was assigned: the idle clock restarts (and an optional lease holds it off). Moves deadlines later only.
 * Whether the worker is awake is decided inside the conditional write, on the record it replaces: a sleep that
 * lands between a first read and this write must turn the answer into 409, not assign work to a stopping worker.
 * With `wake`, the answer comes after the wake was driven, from the record as it is then: a sleep or delete that
 * landed during that drive (another request's) is answered 409 too, since the worker will not do the work.
 */
export async function recordActivity(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { leaseSeconds?: number; wake?: boolean },
): Promise<IntentResult> {
  if (options.leaseSeconds !== undefined && options.leaseSeconds < 0) {
    throw new ValidationError('lease_seconds must be >= 0', 'lease_seconds');
  }
  const wakeIt = wakeBuild(actor);
  const result = await applyIntent(ctx, name, actor, (record, now) => {
    const awake = record.desired === 'running' && isAwake(record);
    if (!awake && !options.wake) {
      throw new ConflictError(
        `worker ${name} is not awake (phase ${record.phase}); add ?wake=true to wake it`,
        'not_awake',
      );
    }
    const base = awake ? record : (wakeIt(record, now) ?? record);
    const leaseEnd = options.leaseSeconds ? now + options.leaseSeconds * 1000 : undefined;
    const previousLease = record.activity_lease_until ? Date.parse(record.activity_lease_until) : 0;
    return {
      ...base,
      last_activity_at: iso(now),
      ...(leaseEnd && leaseEnd > previousLease ? { activity_lease_until: iso(leaseEnd) } : {}),
    };
  });
  const { phase } = result.worker;
  if (!AWAKE_PHASES.has(phase)) {
    throw new ConflictError(
      `worker ${name} is no longer awake (phase ${phase}): a request that landed meanwhile put it to sleep or deleted it`,
      'not_awake',
    );
  }
  return result;
}
