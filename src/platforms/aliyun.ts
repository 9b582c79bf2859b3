/**
 * The Alibaba Cloud composition root: OSS state, SAE workers, Alibaba STS credentials, for the three FC 3.0
 * functions. As in `aws.ts`, one factory per function, so each bundle keeps only the adapters it uses.
 *
 * Credentials: FC gives a function with a role temporary credentials, both as `ALIBABA_CLOUD_*` variables at
 * start and, always fresh, in every invocation's `context.credentials`. Each factory keeps them in one
 * `FunctionCredentials`, which the entry refreshes per invocation and every client (OSS, SAE, STS) reads from.
 *
 * @example
 * export const handler = fcHandler(aliyunLifecycle(process.env));
 *
 * @module
 */

import { registerCredentialRoutes } from '../api/routes/credentials';
import { FakeBackend } from '../backends/fake';
import { type BackendFacts, lazyBackend } from '../backends/lazy';
import {
  ALIYUN_PLATFORM,
  loadCloudConfig,
  readAliyunStsSettings,
  readOssSettings,
  readSaeSettings,
  readStsChoice,
} from '../config/cloud';
import type { OrchestratorConfig } from '../config/core';
import type { Env } from '../config/env';
import type { CredentialIssuer, SigningCredentials } from '../credentials/port';
import { ConfigError } from '../errors';
import { once, runSweep } from '../lifecycle';
import { OssStore } from '../store/oss';
import {
  type BackendFactory,
  type ComposeInput,
  composeOrchestrator,
  composeService,
  type Orchestrator,
} from './compose';
import type { FcContext, FcTargets } from './fc-http';

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

/** `BACKENDS=fake` (tests only): one in-memory backend per process, shared by every function in it. */
let fakeBackend: FakeBackend | undefined;
const sharedFake: BackendFactory = () => {
  fakeBackend ??= new FakeBackend();
  return fakeBackend;
};

/** The OSS store keeps the state prefix itself (its head pointers live inside it), so composition adds none. */
function stateStore(env: Env, config: OrchestratorConfig, credentials: FunctionCredentials): OssStore {
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

function backendFactories(env: Env, config: OrchestratorConfig, credentials: FunctionCredentials) {
  const factories: Partial<Record<'sae' | 'fake', BackendFactory>> = {};
  if (config.backends.includes('sae')) {
    const sae = readSaeSettings(env);
    // Loaded on the first backend call, from its own chunk: a heartbeat or a GET never loads the SAE client.
    factories.sae = (deploymentId) =>
      lazyBackend(
        SAE_FACTS,
        async () =>
          new (await import('../backends/sae')).SaeBackend({
            ...sae,
            deploymentId,
            credentials: async () => credentials.get(),
          }),
      );
  }
  if (config.backends.includes('fake')) factories.fake = sharedFake;
  return factories;
}

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
      const { AliyunStsIssuer } = await import('../credentials/aliyun-sts');
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

/** The timer's reconcile: one `runSweep` per invocation; its report is the result. No HTTP routes. */
export function aliyunSweeper(env: Env): FcTargets {
  // It serves no route, so like the credentials function it needs no manager key.
  const config = loadCloudConfig(env, ALIYUN_PLATFORM, { managerKeysOptional: true });
  const credentials = new FunctionCredentials(env);
  const service = composeService({
    config: { ...config, state: { ...config.state, prefix: '' } },
    store: stateStore(env, config, credentials),
    backends: backendFactories(env, config, credentials),
  });
  return {
    async timer() {
      // runSweep logs its own report; returning it also shows it as the invocation's result.
      return runSweep((await service()).ctx, { settings: config.sweeper });
    },
    context: (c) => credentials.update(c.credentials),
  };
}
