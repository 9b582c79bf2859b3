/**
 * The conditional forms of requests whose plain forms live elsewhere: a read that also says the worker's version
 * (for `ETag`) and create with `If-None-Match: *`. (ensure-ready takes `If-Match` itself: see `readiness.ts`.)
 *
 * @module
 */

import { VersionMismatchError } from '../../errors';
import type { LifecycleContext } from '../context';
import type { Actor, CreateInput } from '../model';
import { assertActorOwns } from '../teams';
import { createWorker } from './create';
import { requireWorker } from './intent';
import { getWorker } from './queries';
import { versionOf } from './version';
import { renderWorker } from './views';

/** GET with the version the answer was rendered from (a refresh first writes what the backend said, then reads). */
export async function getVersioned(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: { refresh?: boolean } = {},
) {
  if (options.refresh) await getWorker(ctx, name, actor, options);
  // The record and the beat in one round trip, as a plain GET reads them.
  const [record, beat] = await Promise.all([requireWorker(ctx, name), ctx.repo.readBeat(name)]);
  assertActorOwns(actor, record);
  return { worker: renderWorker(ctx, record, beat), version: versionOf(record) };
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
