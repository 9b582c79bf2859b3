/**
 * The AWS sweeper's root: one `runSweep` per EventBridge invocation, over the lifecycle service alone (no HTTP
 * app, no routes).
 *
 * @example
 * export const handler = scheduledHandler(awsSweeper(process.env));
 *
 * @module
 */

import { AWS_PLATFORM, loadCloudConfig } from '../../config/cloud';
import type { Env } from '../../config/env';
import { runSweep } from '../../lifecycle';
import { composeService } from '../service';
import { backendFactories, stateStore, withoutComposePrefix } from './state';

export interface Sweeper {
  sweep(): Promise<unknown>;
}

/** The scheduled reconcile: one `runSweep` per invocation; its report is the invocation's result. */
export function awsSweeper(env: Env): Sweeper {
  // It serves no route, so like the credentials function it needs no manager key.
  const config = loadCloudConfig(env, AWS_PLATFORM, { managerKeysOptional: true });
  const service = composeService({
    config: withoutComposePrefix(config),
    store: stateStore(env, config),
    backends: backendFactories(env, config),
  });
  return {
    async sweep() {
      // runSweep logs its own report; returning it also shows it as the invocation's result.
      return runSweep((await service()).ctx, { settings: config.sweeper });
    },
  };
}

/** EventBridge's scheduled event (or a manual `aws lambda invoke`): the payload carries nothing we need. */
export function scheduledHandler(sweeper: Sweeper) {
  return async (_event?: { source?: string; 'detail-type'?: string; time?: string }) => sweeper.sweep();
}
