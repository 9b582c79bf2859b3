/**
 * The lifecycle's public face: one object per function instance, bound to its context. The HTTP layer calls only
 * this; the sweeper uses the same building blocks.
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import type { Actor, CreateInput, ListQuery, ReportInput, UpdateInput, WorkerRecord } from '../model';
import { recordActivity } from './activity';
import { type AuthConfig, authenticate } from './auth';
import { createVersioned, getVersioned } from './conditional';
import { createWorker } from './create';
import { deleteWorker } from './delete';
import { type FleetRequest, runFleetAction } from './fleet';
import type { IntentOptions } from './intent';
import { getWorker, listEvents, listWorkers } from './queries';
import { ensureReady, reportReady } from './readiness';
import { rotateKey } from './rotate-key';
import { checkUpdate, updateWorker } from './update';
import { sleep, wake } from './wake-sleep';

export class WorkerService {
  constructor(
    readonly ctx: LifecycleContext,
    readonly auth: AuthConfig,
  ) {}

  authenticate(token: string | undefined) {
    return authenticate(this.ctx, this.auth, token);
  }

  create(input: CreateInput, actor: Actor) {
    return createWorker(this.ctx, input, actor);
  }

  get(name: string, actor: Actor, options: { refresh?: boolean } = {}) {
    return getWorker(this.ctx, name, actor, options);
  }

  list(query: ListQuery) {
    return listWorkers(this.ctx, query);
  }

  /** GET with the version the view was rendered from (the API's `ETag`). */
  getVersioned(name: string, actor: Actor, options: { refresh?: boolean } = {}) {
    return getVersioned(this.ctx, name, actor, options);
  }

  /** Create, answering also with the stored version; `ifNoneMatch`: an existing worker is 412, not 200. */
  createVersioned(input: CreateInput, actor: Actor, options: { ifNoneMatch?: boolean } = {}) {
    return createVersioned(this.ctx, input, actor, options);
  }

  /** `options.ifMatch`: the versions the worker must still be at (412 otherwise), checked inside the write. */
  wake(name: string, actor: Actor, options: IntentOptions = {}) {
    return wake(this.ctx, name, actor, options);
  }

  /** `removeResource`: delete the resource rather than stop it; the record stays and a wake recreates it. */
  sleep(name: string, actor: Actor, options: { removeResource?: boolean } & IntentOptions = {}) {
    const { removeResource, ...intent } = options;
    return sleep(this.ctx, name, actor, removeResource ?? false, intent);
  }

  ensureReady(name: string, actor: Actor, timeoutSeconds: number, options: IntentOptions = {}) {
    return ensureReady(this.ctx, name, actor, timeoutSeconds, options);
  }

  update(name: string, patch: UpdateInput, actor: Actor, options: IntentOptions = {}) {
    return updateWorker(this.ctx, name, patch, actor, options);
  }

  /** Refuses an update that `update` would refuse, writing nothing. */
  async checkUpdate(name: string, patch: UpdateInput, actor: Actor): Promise<void> {
    await checkUpdate(this.ctx, name, patch, actor);
  }

  delete(name: string, actor: Actor, force = false, options: IntentOptions = {}) {
    return deleteWorker(this.ctx, name, actor, force, options);
  }

  activity(name: string, actor: Actor, options: { leaseSeconds?: number; wake?: boolean }) {
    return recordActivity(this.ctx, name, actor, options);
  }

  rotateKey(name: string, actor: Actor, options: IntentOptions = {}) {
    return rotateKey(this.ctx, name, actor, options);
  }

  /** wake, sleep, delete or ensure-ready every worker a selector matches, each through its single request. */
  fleetAction(actor: Actor, request: FleetRequest) {
    return runFleetAction(this.ctx, actor, request);
  }

  report(record: WorkerRecord, report: ReportInput) {
    return reportReady(this.ctx, record, report);
  }

  events(name: string, actor: Actor, options: { cursor?: string; limit: number }) {
    return listEvents(this.ctx, name, actor, options);
  }
}
