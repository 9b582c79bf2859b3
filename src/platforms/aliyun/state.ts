/**
 * What every Alibaba Cloud function composes from: the function role's credentials, the OSS state store and the
 * backend factories (SAE, loaded on its first call; `fake` for tests). Imports no HTTP code, so the sweeper's
 * bundle, which starts here, carries none.
 *
 * Credentials: FC gives a function with a role temporary credentials, both as `ALIBABA_CLOUD_*` variables at
 * start and, always fresh, in every invocation's `context.credentials`. Each root keeps them in one
 * `FunctionCredentials`, which the entry refreshes per invocation and every client (OSS, SAE, STS) reads from.
 *
 * @module
 */

import { type BackendFacts, lazyBackend } from '../../backends/lazy';
import { readOssSettings, readSaeSettings } from '../../config/cloud';
import type { OrchestratorConfig } from '../../config/core';
import type { Env } from '../../config/env';
import type { SigningCredentials } from '../../credentials/port';
import { ConfigError } from '../../errors';
import { OssStore } from '../../store/oss';
import type { FcContext } from '../fc-http';
import { type BackendFactory, sharedFakeBackend } from '../service';

/** The function role's current temporary credentials. */
export class FunctionCredentials {
  private current: SigningCredentials | undefined;

  constructor(env: Env) {
    this.update({
      accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
    });
  }

  update(credentials: FcContext['credentials']): void {
    if (!credentials?.accessKeyId || !credentials.accessKeySecret) return;
    this.current = {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    };
  }

  get(): SigningCredentials {
    if (!this.current) {
      throw new ConfigError(
        'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required: give the function a role',
      );
    }
    return this.current;
  }
}

/** What the SAE adapter says of itself, known without loading it (a test holds the two equal). */
export const SAE_FACTS: BackendFacts = {
  name: 'sae',
  deploymentMode: 'cloud',
  capabilities: { logs: false },
};

/** The OSS store keeps the state prefix itself (its head pointers live inside it), so composition adds none. */
export function stateStore(env: Env, config: OrchestratorConfig, credentials: FunctionCredentials): OssStore {
  const initial = credentials.get();
  return new OssStore({
    ...readOssSettings(env),
    prefix: config.state.prefix,
    credentials: initial,
    ...(initial.securityToken
      ? {
          refreshCredentials: async () => {
            const fresh = credentials.get();
            return { ...fresh, securityToken: fresh.securityToken ?? '' };
          },
        }
      : {}),
  });
}

export function backendFactories(env: Env, config: OrchestratorConfig, credentials: FunctionCredentials) {
  const factories: Partial<Record<'sae' | 'fake', BackendFactory>> = {};
  if (config.backends.includes('sae')) {
    const sae = readSaeSettings(env);
    // Loaded on the first backend call, from its own chunk: a heartbeat or a GET never loads the SAE client.
    factories.sae = (deploymentId) =>
      lazyBackend(
        SAE_FACTS,
        async () =>
          new (await import('../../backends/sae')).SaeBackend({
            ...sae,
            deploymentId,
            credentials: async () => credentials.get(),
          }),
      );
  }
  if (config.backends.includes('fake')) factories.fake = sharedFakeBackend;
  return factories;
}
