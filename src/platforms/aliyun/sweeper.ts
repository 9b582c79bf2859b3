/**
 * The Alibaba Cloud sweeper's root: one `runSweep` per timer invocation, over the lifecycle service alone (no
 * HTTP app, no routes).
 *
 * @example
 * export const handler = fcHandler(aliyunSweeper(process.env));
 *
 * @module
 */

import { ALIYUN_PLATFORM, loadCloudConfig } from '../../config/cloud';
import type { Env } from '../../config/env';
import { runSweep } from '../../lifecycle';
import type { FcTargets } from '../fc-http';
import { composeService } from '../service';
import { backendFactories, FunctionCredentials, stateStore } from './state';

/** The timer's reconcile: one `runSweep` per invocation; its report is the result. No HTTP routes. */
export function aliyunSweeper(env: Env): FcTargets {
  // It serves no route, so like the credentials function it needs no manager key.
  const config = loadCloudConfig(env, ALIYUN_PLATFORM, { managerKeysOptional: true });
  const credentials = new FunctionCredentials(env);
  const service = composeService({
    config: { ...config, state: { ...config.state, prefix: '' } },
    store: stateStore(env, config, credentials),
    backends: backendFactories(env, config, credentials),
  });
  return {
    async timer() {
      // runSweep logs its own report; returning it also shows it as the invocation's result.
      return runSweep((await service()).ctx, { settings: config.sweeper });
    },
    context: (c) => credentials.update(c.credentials),
  };
}
