/**
 * The AWS HTTP functions' roots: lifecycle (everything but `/credentials/sts`) and credentials (that route and
 * health), each behind API Gateway through Hono's Lambda adapter.
 *
 * @example
 * export const handler = handle(lambdaApp(awsLifecycle(process.env)));
 *
 * @module
 */

import { Hono } from 'hono';
import { registerCredentialRoutes } from '../../api/routes/credentials';
import { AWS_PLATFORM, loadCloudConfig, readAwsStsSettings, readStsChoice } from '../../config/cloud';
import type { Env } from '../../config/env';
import type { CredentialIssuer } from '../../credentials/port';
import { ConfigError } from '../../errors';
import { once } from '../../lifecycle';
import { composeOrchestrator, type Orchestrator } from '../compose';
import { backendFactories, stateStore, withoutComposePrefix } from './state';

/** Manager and readiness routes, health and the OpenAPI document: everything but `/credentials/sts`. */
export function awsLifecycle(env: Env): Orchestrator {
  const config = loadCloudConfig(env, AWS_PLATFORM);
  return composeOrchestrator({
    config: withoutComposePrefix(config),
    store: stateStore(env, config),
    backends: backendFactories(env, config),
    routeGroups: ['lifecycle', 'meta'],
  });
}

/** `/credentials/sts` and health only. It drives no backend, so it is given none (and no ECS permissions). */
export function awsCredentials(env: Env): Orchestrator {
  const config = loadCloudConfig(env, AWS_PLATFORM, { managerKeysOptional: true });
  const sts = readStsChoice(env);
  if (sts.provider === 'aliyun') throw new ConfigError('STS_PROVIDER must be aws or none on AWS Lambda');
  let issuer: CredentialIssuer | undefined;
  if (sts.provider === 'aws') {
    const settings = readAwsStsSettings(env, config.dataRoot);
    // The STS client is loaded on first use, in its own chunk: a cold start that serves health pays nothing for it.
    const load = once(async () => new (await import('../../credentials/aws-sts')).AwsStsIssuer(settings));
    issuer = {
      provider: 'aws',
      issue: async (request) => (await load()).issue(request),
      health: async () => (await load()).health(),
    };
  }
  return composeOrchestrator({
    config: { ...withoutComposePrefix(config), backends: [] },
    store: stateStore(env, config),
    backends: {},
    routeGroups: ['extra', 'meta'],
    extendRoutes: (routes, service) => registerCredentialRoutes(routes, service, issuer, sts.durationSeconds),
  });
}

/** Hono's API Gateway adapter wants a Hono app; this one hands every request to the lazily built orchestrator. */
export function lambdaApp(orchestrator: Pick<Orchestrator, 'fetch'>): Hono {
  const app = new Hono();
  app.all('*', (c) => orchestrator.fetch(c.req.raw));
  return app;
}
