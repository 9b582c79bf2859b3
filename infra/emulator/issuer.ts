/**
 * The credential issuer of the emulator. It runs here, in the Node process, because the STS SDKs cannot load in
 * workerd; the functions reach it through a service binding (`STS_ISSUER`, see `src/credentials/remote.ts`).
 * Signing credentials are read here and never become bindings, so the functions never see them.
 *
 * @module
 */

import { readAliyunStsSettings, readAwsStsSettings, readStsChoice } from '../../src/config/cloud';
import type { OrchestratorConfig } from '../../src/config/core';
import { AliyunStsIssuer } from '../../src/credentials/aliyun-sts';
import { AwsStsIssuer } from '../../src/credentials/aws-sts';
import type { CredentialIssuer } from '../../src/credentials/port';
import { serveIssuer } from '../../src/credentials/remote';
import { ConfigError } from '../../src/errors';

/** Signing credentials an issuer may need; kept out of the functions' bindings. */
export const SIGNING_VARS = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

export interface EmulatorIssuer {
  provider: 'aliyun' | 'aws';
  binding: (request: Request) => Promise<Response>;
}

export function issuerFromVars(
  vars: Record<string, string>,
  config: OrchestratorConfig,
): EmulatorIssuer | undefined {
  const { provider } = readStsChoice(vars);
  if (provider === 'none') return undefined;
  let issuer: CredentialIssuer;
  if (provider === 'aliyun') {
    const settings = readAliyunStsSettings(vars, config.dataRoot);
    const oidc = settings.oidcProviderArn !== undefined;
    if (!oidc && (!vars.ALIBABA_CLOUD_ACCESS_KEY_ID || !vars.ALIBABA_CLOUD_ACCESS_KEY_SECRET)) {
      throw new ConfigError(
        'STS_PROVIDER=aliyun needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or an OIDC token file)',
      );
    }
    issuer = new AliyunStsIssuer({
      ...settings,
      ...(oidc
        ? {}
        : {
            credentials: {
              accessKeyId: vars.ALIBABA_CLOUD_ACCESS_KEY_ID!,
              accessKeySecret: vars.ALIBABA_CLOUD_ACCESS_KEY_SECRET!,
              ...(vars.ALIBABA_CLOUD_SECURITY_TOKEN
                ? { securityToken: vars.ALIBABA_CLOUD_SECURITY_TOKEN }
                : {}),
            },
          }),
    });
  } else {
    // The AWS SDK's default chain (env, profile, instance role) signs, as on Lambda.
    issuer = new AwsStsIssuer(readAwsStsSettings(vars, config.dataRoot));
  }
  return { provider, binding: serveIssuer(issuer) };
}

/** The functions' bindings: everything but the signing credentials. */
export function withoutSigningVars(vars: Record<string, string>): Record<string, string> {
  const bindings = { ...vars };
  for (const name of SIGNING_VARS) delete bindings[name];
  return bindings;
}
