/**
 * The conditional forms of requests whose plain forms live elsewhere: a read that also says the worker's version
 * (for `ETag`), create with `If-None-Match: *`, and ensure-ready with `If-Match`.
 *
 * @module
 */

import { VersionMismatchError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, CreateInput } from '../model';
import { assertActorOwns } from '../teams';
import { createWorker } from './create';
import { applyIntent, type IntentOptions, requireWorker } from './intent';
import { getWorker } from './queries';
import { ensureReady } from './readiness';
import { versionOf } from './version';
import { renderWorker } from './views';
import { wakeBuild } from './wake-sleep';

/** GET with the version the answer was rendered from (a refresh first writes what the backend said, then reads). */
export async function getVersioned(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { refresh?: boolean } = {},
) {
  if (options.refresh) await getWorker(ctx, name, actor, options);
  const record = await requireWorker(ctx, name);
  assertActorOwns(actor, record);
  return { worker: renderWorker(ctx, record, await ctx.repo.readBeat(name)), version: versionOf(record) };
}

/**
 * Create, and the version of what it answers with. With `ifNoneMatch`, an existing worker is 412 rather than the
 * 200 of an identical spec: the create-only write that makes a record is already conditional on its absence, so
 * an answer of "it existed" means nothing was written.
 */
export async function createVersioned(
  ctx: LifecycleContext,
  input: CreateInput,
  actor: Actor,
  options: { ifNoneMatch?: boolean } = {},
) {
  const result = await createWorker(ctx, input, actor);
  if (!result.created && options.ifNoneMatch) {
    throw new VersionMismatchError(`worker ${input.name} already exists (If-None-Match: *)`, {
      details: { name: input.name },
    });
  }
  const stored = await ctx.repo.read(input.name);
  const version = stored && stored.value.kind === 'worker' ? versionOf(stored.value) : undefined;
  return { ...result, ...(version ? { version } : {}) };
}

/**
 * ensure-ready with `If-Match`: the wake is made conditional (the version is compared inside the write that
 * records it), then ensure-ready drives and waits as usual. A failed worker is not woken here: ensure-ready
 * answers it with 409, as without the header.
 */
export async function ensureReadyIfMatch(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  timeoutSeconds: number,
  options: IntentOptions,
) {
  const deadline = ctx.clock.now() + Math.min(timeoutSeconds, ctx.settings.ensureReadyMaxSeconds) * 1000;
  const wakeIt = wakeBuild(actor);
  await applyIntent(
    ctx,
    name,
    actor,
    (record, now) => (record.phase === 'failed' ? undefined : wakeIt(record, now)),
    { ...options, deadline },
  );
  return ensureReady(ctx, name, actor, Math.max(0, (deadline - ctx.clock.now()) / 1000));
}
