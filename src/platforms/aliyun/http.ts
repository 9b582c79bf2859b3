/**
 * The Alibaba Cloud HTTP functions' roots: lifecycle (everything but `/credentials/sts`) and credentials (that
 * route and health), each behind its FC HTTP trigger.
 *
 * @example
 * export const handler = fcHandler(aliyunLifecycle(process.env));
 *
 * @module
 */

import { registerCredentialRoutes } from '../../api/routes/credentials';
import { ALIYUN_PLATFORM, loadCloudConfig, readAliyunStsSettings, readStsChoice } from '../../config/cloud';
import type { OrchestratorConfig } from '../../config/core';
import type { Env } from '../../config/env';
import type { CredentialIssuer } from '../../credentials/port';
import { ConfigError } from '../../errors';
import { once } from '../../lifecycle';
import { type ComposeInput, composeOrchestrator, type Orchestrator } from '../compose';
import type { FcTargets } from '../fc-http';
import { backendFactories, FunctionCredentials, stateStore } from './state';

function compose(
  env: Env,
  config: OrchestratorConfig,
  credentials: FunctionCredentials,
  extra: Omit<Partial<ComposeInput>, 'config' | 'store'> = {},
): Orchestrator {
  return composeOrchestrator({
    config: { ...config, state: { ...config.state, prefix: '' } },
    store: stateStore(env, config, credentials),
    backends: {},
    ...extra,
  });
}

/** Manager and readiness routes, health and the OpenAPI document: everything but `/credentials/sts`. */
export function aliyunLifecycle(env: Env): FcTargets {
  const config = loadCloudConfig(env, ALIYUN_PLATFORM);
  const credentials = new FunctionCredentials(env);
  const orchestrator = compose(env, config, credentials, {
    backends: backendFactories(env, config, credentials),
    routeGroups: ['lifecycle', 'meta'],
  });
  return { fetch: orchestrator.fetch, context: (c) => credentials.update(c.credentials) };
}

/** `/credentials/sts` and health only; no backend (its RAM role has no SAE permissions). */
export function aliyunCredentials(env: Env): FcTargets {
  const config = { ...loadCloudConfig(env, ALIYUN_PLATFORM, { managerKeysOptional: true }), backends: [] };
  const sts = readStsChoice(env);
  if (sts.provider === 'aws')
    throw new ConfigError('STS_PROVIDER must be aliyun or none on Alibaba Cloud FC');
  const credentials = new FunctionCredentials(env);
  let issuer: CredentialIssuer | undefined;
  if (sts.provider === 'aliyun') {
    const settings = readAliyunStsSettings(env, config.dataRoot);
    // Under RRSA the issuer reads its OIDC token file instead of signing with the function's credentials.
    const oidc = Boolean(settings.oidcProviderArn && settings.oidcTokenFile);
    // The STS SDK is loaded on first use: its module has top-level code esbuild must keep, which would otherwise
    // ride along in the lifecycle and sweeper bundles (they import this file too).
    const load = once(async () => {
      const { AliyunStsIssuer } = await import('../../credentials/aliyun-sts');
      return new AliyunStsIssuer({
        ...settings,
        ...(oidc ? {} : { credentials: async () => credentials.get() }),
      });
    });
    issuer = {
      provider: 'aliyun',
      issue: async (request) => (await load()).issue(request),
      health: async () => (await load()).health(),
    };
  }
  const orchestrator = compose(env, config, credentials, {
    routeGroups: ['extra', 'meta'],
    extendRoutes: (routes, service) => registerCredentialRoutes(routes, service, issuer, sts.durationSeconds),
  });
  return { fetch: orchestrator.fetch, context: (c) => credentials.update(c.credentials) };
}
