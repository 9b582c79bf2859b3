/**
 * The AWS composition root: S3 state, ECS workers, AWS STS credentials, for the three Lambda functions.
 *
 * One factory per function rather than one with a `role` switch, so that esbuild's tree shaking leaves each
 * bundle only what its function uses: the credentials bundle has no ECS client, the lifecycle and sweeper bundles
 * no STS client. Every factory reads its configuration once (at cold start, where a `ConfigError` naming the
 * variable fails the init loudly) and composes lazily (the first request pays for the store round trip).
 *
 * @example
 * export const handler = handle(lambdaApp(awsLifecycle(process.env)));
 *
 * @module
 */

import { Hono } from 'hono';
import { registerCredentialRoutes } from '../api/routes/credentials';
import { FakeBackend } from '../backends/fake';
import { type BackendFacts, lazyBackend } from '../backends/lazy';
import {
  AWS_PLATFORM,
  loadCloudConfig,
  readAwsStsSettings,
  readEcsSettings,
  readS3Settings,
  readStsChoice,
} from '../config/cloud';
import type { OrchestratorConfig } from '../config/core';
import type { Env } from '../config/env';
import type { CredentialIssuer } from '../credentials/port';
import { ConfigError } from '../errors';
import { once, runSweep } from '../lifecycle';
import { S3Store } from '../store/s3';
import { type BackendFactory, composeOrchestrator, composeService, type Orchestrator } from './compose';

/** What the ECS adapter says of itself, known without loading it (a test holds the two equal). */
export const ECS_FACTS: BackendFacts = {
  name: 'ecs',
  deploymentMode: 'cloud',
  capabilities: { logs: false },
};

/** `BACKENDS=fake` (tests only): one in-memory backend per process, shared by every function in it. */
let fakeBackend: FakeBackend | undefined;
const sharedFake: BackendFactory = () => {
  fakeBackend ??= new FakeBackend();
  return fakeBackend;
};

/** The S3 store holds the state prefix itself, so composition adds none on top. */
function stateStore(env: Env, config: OrchestratorConfig): S3Store {
  return new S3Store({ ...readS3Settings(env), prefix: config.state.prefix });
}

const withoutComposePrefix = (config: OrchestratorConfig): OrchestratorConfig => ({
  ...config,
  state: { ...config.state, prefix: '' },
});

function backendFactories(env: Env, config: OrchestratorConfig) {
  const factories: Partial<Record<'ecs' | 'fake', BackendFactory>> = {};
  if (config.backends.includes('ecs')) {
    const ecs = readEcsSettings(env);
    // Loaded on the first backend call, from its own chunk: a heartbeat or a GET never loads the ECS client.
    factories.ecs = (deploymentId) =>
      lazyBackend(
        ECS_FACTS,
        async () => new (await import('../backends/ecs')).EcsBackend({ ...ecs, deploymentId }),
      );
  }
  if (config.backends.includes('fake')) factories.fake = sharedFake;
  return factories;
}

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
    const load = once(async () => new (await import('../credentials/aws-sts')).AwsStsIssuer(settings));
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

/** Hono's API Gateway adapter wants a Hono app; this one hands every request to the lazily built orchestrator. */
export function lambdaApp(orchestrator: Pick<Orchestrator, 'fetch'>): Hono {
  const app = new Hono();
  app.all('*', (c) => orchestrator.fetch(c.req.raw));
  return app;
}

/** EventBridge's scheduled event (or a manual `aws lambda invoke`): the payload carries nothing we need. */
export function scheduledHandler(sweeper: Sweeper) {
  return async (_event?: { source?: string; 'detail-type'?: string; time?: string }) => sweeper.sweep();
}
