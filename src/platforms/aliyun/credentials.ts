/**
 * The Alibaba Cloud credentials function's root: `/credentials/sts` and health behind its FC HTTP trigger, in an
 * app that imports no lifecycle route.
 *
 * @example
 * export const handler = fcHandler(aliyunCredentials(process.env));
 *
 * @module
 */

import { createCredentialsApp } from '../../api/credentials-app';
import { registerCredentialRoutes } from '../../api/routes/credentials';
import { ALIYUN_PLATFORM, loadCloudConfig, readAliyunStsSettings, readStsChoice } from '../../config/cloud';
import type { Env } from '../../config/env';
import type { CredentialIssuer } from '../../credentials/port';
import { ConfigError } from '../../errors';
import { once } from '../../lifecycle';
import type { FcTargets } from '../fc-http';
import { composeFc } from './compose-fc';
import { FunctionCredentials } from './state';

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
  const orchestrator = composeFc(env, config, credentials, {
    createApp: createCredentialsApp,
    routeGroups: ['extra', 'meta'],
    extendRoutes: (routes, service) => registerCredentialRoutes(routes, service, issuer, sts.durationSeconds),
  });
  return { fetch: orchestrator.fetch, context: (c) => credentials.update(c.credentials) };
}
