/**
 * The write side of the SAE adapter: submitting change orders past `Application.ChangerOrderRunning`, and
 * tagging. Both retry with bounded, doubling backoff: SAE serializes changes per application, and its tag service
 * does not see a just-created application at once.
 *
 * @module
 */

import { BackendUnavailableError } from '../../errors';
import type { WorkerSpec } from '../port';
import type { SaeClient } from './client';
import { isBusy, isNotFound, translateSaeError } from './errors';
import { APP_PATH, type SaeQueries } from './queries';
import { saeTags } from './spec';

export interface ChangeRequest {
  action:
    | 'StartApplication'
    | 'StopApplication'
    | 'RestartApplication'
    | 'DeployApplication'
    | 'DeleteApplication';
  method: 'PUT' | 'POST' | 'DELETE';
  path: string;
  appId: string;
  resourceName: string;
  /** Orders that, while running, already do what this change wants: no need to queue behind them. */
  satisfiedBy: ReadonlySet<string>;
  query?: Record<string, unknown>;
  form?: Record<string, string | undefined>;
  /** For error messages only. */
  image?: string;
  /** Aborted when the caller abandoned the operation: nothing more is sent, no more waiting. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SaeChanges {
  constructor(
    private readonly api: SaeClient,
    private readonly read: SaeQueries,
    private readonly regionId: string,
    private readonly waitMs: number,
    private readonly retryMs: number,
  ) {}

  /**
   * Submit one change, retrying while SAE refuses it because another order runs, unless the order in flight
   * is one of `satisfiedBy`. Work longer than the request is left to SAE and observed through `status`.
   */
  async submit(change: ChangeRequest): Promise<'done' | 'not_found'> {
    let refusal: unknown;
    const outcome = await this.retry(async () => {
      try {
        await this.api.call(
          {
            action: change.action,
            method: change.method,
            pathname: `${APP_PATH}/${change.path}`,
            query: { ...change.query, AppId: change.appId } as Record<string, string>,
            ...(change.form ? { form: change.form } : {}),
          },
          change.signal,
        );
        return 'done' as const;
      } catch (error) {
        if (isNotFound(error)) return 'not_found' as const;
        if (!isBusy(error)) throw translateSaeError(error, change.resourceName, change.image);
        refusal = error;
        const order = await this.read.runningOrder(await this.read.status(change.appId, change.resourceName));
        return order && change.satisfiedBy.has(order) ? ('done' as const) : undefined;
      }
    }, change.signal);
    // Still refused at the bound: the lifecycle retries later (BackendUnavailableError carries Retry-After).
    if (!outcome) throw translateSaeError(refusal, change.resourceName);
    return outcome;
  }

  /** TagResources (SAE takes no tags on CreateApplication), retried while the app is not yet visible to it. */
  async tag(appId: string, spec: WorkerSpec): Promise<void> {
    const tagged = await this.retry(async () => {
      try {
        await this.api.call({
          action: 'TagResources',
          method: 'POST',
          pathname: '/tags',
          form: {
            RegionId: this.regionId,
            ResourceType: 'application',
            ResourceIds: [appId],
            Tags: saeTags(spec),
          },
        });
        return true;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw translateSaeError(error, spec.resourceName);
      }
    });
    if (!tagged) {
      throw new BackendUnavailableError(
        `SAE application ${spec.resourceName} cannot be tagged yet; retry later`,
      );
    }
  }

  /** Run `attempt` until it returns a value, with doubling backoff, for at most `waitMs`. */
  async retry<T>(attempt: () => Promise<T | undefined>, signal?: AbortSignal): Promise<T | undefined> {
    const deadline = Date.now() + this.waitMs;
    for (let delay = this.retryMs; ; delay = Math.min(delay * 2, 2_000)) {
      const value = await attempt();
      if (value !== undefined || Date.now() + delay > deadline || signal?.aborted) return value;
      await sleep(delay);
    }
  }
}
