/**
 * The AWS credentials function's root: `/credentials/sts` and health, in an app that imports no lifecycle route.
 *
 * @example
 * export const handler = handle(lambdaApp(awsCredentials(process.env)));
 *
 * @module
 */

import { createCredentialsApp } from '../../api/credentials-app';
import { registerCredentialRoutes } from '../../api/routes/credentials';
import { AWS_PLATFORM, loadCloudConfig, readAwsStsSettings, readStsChoice } from '../../config/cloud';
import type { Env } from '../../config/env';
import type { CredentialIssuer } from '../../credentials/port';
import { ConfigError } from '../../errors';
import { once } from '../../lifecycle';
import { composeOrchestrator, type Orchestrator } from '../compose';
import { stateStore, withoutComposePrefix } from './state';

export { lambdaApp } from './lambda';

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
    createApp: createCredentialsApp,
    routeGroups: ['extra', 'meta'],
    extendRoutes: (routes, service) => registerCredentialRoutes(routes, service, issuer, sts.durationSeconds),
  });
}
