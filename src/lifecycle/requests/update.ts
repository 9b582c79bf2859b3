/**
 * The update intent (`PATCH`): the checks it passes before writing, the patch itself, and the rule that decides
 * whether a changed template rolls the worker (shared with key rotation, which is an update).
 *
 * @module
 */

import { ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Phase, Reason, UpdateInput, WorkerRecord } from '../model';
import { type Actor, actorLabel, bumpBoot, hmacHex, isAwake, resetAttempts, transition } from '../model';
import { assertActorOwns, checkTeamUpdate } from '../teams';
import { assertNoInjectedEnv, canonical, resolveExpiry } from './create';
import {
  applyIntent,
  bumpSpec,
  type IntentOptions,
  notFound,
  refuseWhenDeleting,
  requireWorker,
} from './intent';
import { resolveSchedule, withSchedule } from './schedule';

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
  if (patch.schedule) resolveSchedule(patch.schedule);
  const current = await requireWorker(ctx, name);
  assertActorOwns(actor, current);
  await checkTeamUpdate(ctx, actor, current.expires_at, patch);
  return current;
}

export async function updateWorker(
  ctx: LifecycleContext,
  name: string,
  patch: UpdateInput,
  actor: Actor,
  options: IntentOptions = {},
) {
  const current = await checkUpdate(ctx, name, patch, actor);
  const schedule = patch.schedule ? resolveSchedule(patch.schedule) : patch.schedule;
  const hmacKey = await ctx.hmacKey();
  const envHmacPatch = new Map<string, string | null>();
  const newValues = new Map<string, string>();
  for (const [k, v] of Object.entries(patch.env ?? {})) {
    envHmacPatch.set(k, v === null ? null : await hmacHex(hmacKey, v));
    if (v !== null) newValues.set(k, v);
  }
  await ctx.repo.addSecretCandidates(name, current.uid, Object.fromEntries(newValues), ctx.clock.now());
  return applyIntent(
    ctx,
    name,
    actor,
    (record, now) => {
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
      if (schedule !== undefined) next = withSchedule(next, schedule, now);
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
    },
    options,
  );
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
export function rollTemplate(
  record: WorkerRecord,
  now: number,
  cause: { reason: Reason; actor: string },
): WorkerRecord {
  const next = bumpSpec({ ...record, template_generation: record.template_generation + 1 });
  const wasFailed = record.phase === 'failed';
  if (!isAwake(record) && !(wasFailed && record.desired === 'running')) return resetAttempts(next);
  return transition(bumpBoot(resetAttempts(next), now), 'updating' as Phase, cause, now);
}
