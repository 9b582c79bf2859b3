/**
 * The AWS HTTP functions' roots: lifecycle (everything but `/credentials/sts`) and credentials (that route and
 * health), each behind API Gateway through Hono's Lambda adapter.
 *
 * @example
 * export const handler = handle(lambdaApp(awsLifecycle(process.env)));
 *
 * @module
 */

import { createApp } from '../../api/app';
import { AWS_PLATFORM, loadCloudConfig } from '../../config/cloud';
import type { Env } from '../../config/env';
import { composeOrchestrator, type Orchestrator } from '../compose';
import { backendFactories, stateStore, withoutComposePrefix } from './state';

/** Manager and readiness routes, health and the OpenAPI document: everything but `/credentials/sts`. */
export function awsLifecycle(env: Env): Orchestrator {
  const config = loadCloudConfig(env, AWS_PLATFORM);
  return composeOrchestrator({
    config: withoutComposePrefix(config),
    store: stateStore(env, config),
    backends: backendFactories(env, config),
    createApp,
    routeGroups: ['lifecycle', 'meta'],
  });
}

export { lambdaApp } from './lambda';
