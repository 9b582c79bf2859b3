/**
 * The Alibaba Cloud lifecycle function's root (everything but `/credentials/sts`), behind its FC HTTP trigger;
 * the credentials function's is `credentials.ts`, apart so its bundle imports no lifecycle route.
 *
 * @example
 * export const handler = fcHandler(aliyunLifecycle(process.env));
 *
 * @module
 */

import { createApp } from '../../api/app';
import { ALIYUN_PLATFORM, loadCloudConfig } from '../../config/cloud';
import type { Env } from '../../config/env';
import type { FcTargets } from '../fc-http';
import { composeFc } from './compose-fc';
import { backendFactories, FunctionCredentials } from './state';

/** Manager and readiness routes, health and the OpenAPI document: everything but `/credentials/sts`. */
export function aliyunLifecycle(env: Env): FcTargets {
  const config = loadCloudConfig(env, ALIYUN_PLATFORM);
  const credentials = new FunctionCredentials(env);
  const orchestrator = composeFc(env, config, credentials, {
    backends: backendFactories(env, config, credentials),
    createApp,
    routeGroups: ['lifecycle', 'meta'],
  });
  return { fetch: orchestrator.fetch, context: (c) => credentials.update(c.credentials) };
}
