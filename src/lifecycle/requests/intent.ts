/**
 * What every manager intent shares: ONE conditional write that records the intent (desired state or spec,
 * `spec_generation` + 1) and, in the same write, takes the operation lease if it is free. Only then does the caller
 * drive the backend. A request that finds a live lease just records its intent and answers 202: the holder sees
 * the moved generation before it releases, so no intent is lost and no two functions ever drive one worker.
 *
 * @module
 */

import { ConflictError, NotFoundError } from '../../errors';
import type { LifecycleContext } from '../context';
import { type DriveResult, Driver } from '../driver';
import type { WorkerRecord } from '../model';
import { type Actor, actorLabel, isWorker, takeLeaseIfFree } from '../model';
import { assertActorOwns } from '../teams';
import { assertVersion, goneMismatch, versionOf } from './version';
import { renderWorker, type WorkerView } from './views';

export interface IntentResult {
  /** True when this request changed something the backend must act on (202), false when already there (200). */
  began: boolean;
  worker: WorkerView;
  /** The version of the record `worker` was rendered from (the API's ETag). */
  version: string;
  drive?: DriveResult;
}

/** What a conditional intent may carry: the versions the caller accepts (`If-Match`), and a drive deadline. */
export interface IntentOptions {
  /** The versions (see `version.ts`) the record must still be at; checked inside the conditional write. */
  ifMatch?: readonly string[];
  deadline?: number;
}

export type Build = (record: WorkerRecord, now: number) => WorkerRecord | undefined;

export const notFound = (name: string) =>
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
  options: IntentOptions & { plaintextKey?: string } = {},
): Promise<IntentResult> {
  let leaseId: string | undefined;
  let began = false;
  const written = await ctx.repo.mutate(name, (current) => {
    if (!isWorker(current)) throw options.ifMatch ? goneMismatch(name) : notFound(name);
    assertActorOwns(actor, current);
    assertVersion(current, options.ifMatch);
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
  return {
    began,
    worker: renderWorker(ctx, record, null),
    version: versionOf(record),
    ...(drive ? { drive } : {}),
  };
}

export const bumpSpec = (record: WorkerRecord): WorkerRecord => ({
  ...record,
  spec_generation: record.spec_generation + 1,
});

export function refuseWhenDeleting(record: WorkerRecord): void {
  if (record.desired === 'deleted') {
    throw new ConflictError(`worker ${record.name} is being deleted`, 'deleting', { retryAfterSeconds: 5 });
  }
}
