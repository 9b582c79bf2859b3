/**
 * What every AWS function composes from: the S3 state store and the backend factories (ECS, loaded on its first
 * call; `fake` for tests). Imports no HTTP code, so the sweeper's bundle, which starts here, carries none.
 *
 * @module
 */

import { type BackendFacts, lazyBackend } from '../../backends/lazy';
import { readEcsSettings, readS3Settings } from '../../config/cloud';
import type { OrchestratorConfig } from '../../config/core';
import type { Env } from '../../config/env';
import { S3Store } from '../../store/s3';
import { type BackendFactory, sharedFakeBackend } from '../service';

/** What the ECS adapter says of itself, known without loading it (a test holds the two equal). */
export const ECS_FACTS: BackendFacts = {
  name: 'ecs',
  deploymentMode: 'cloud',
  capabilities: { logs: false },
};

/** The S3 store holds the state prefix itself, so composition adds none on top. */
export function stateStore(env: Env, config: OrchestratorConfig): S3Store {
  return new S3Store({ ...readS3Settings(env), prefix: config.state.prefix });
}

export const withoutComposePrefix = (config: OrchestratorConfig): OrchestratorConfig => ({
  ...config,
  state: { ...config.state, prefix: '' },
});

export function backendFactories(env: Env, config: OrchestratorConfig) {
  const factories: Partial<Record<'ecs' | 'fake', BackendFactory>> = {};
  if (config.backends.includes('ecs')) {
    const ecs = readEcsSettings(env);
    // Loaded on the first backend call, from its own chunk: a heartbeat or a GET never loads the ECS client.
    factories.ecs = (deploymentId) =>
      lazyBackend(
        ECS_FACTS,
        async () => new (await import('../../backends/ecs')).EcsBackend({ ...ecs, deploymentId }),
      );
  }
  if (config.backends.includes('fake')) factories.fake = sharedFakeBackend;
  return factories;
}
