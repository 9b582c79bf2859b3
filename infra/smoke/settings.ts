/**
 * Settings every step shares: the credentials (the same variables the product reads), how long to wait, and
 * the reading of the product's own setting groups (`SAE_*`, `ECS_*`, `S3_*`, `STS_*`, `OSS_*`), so a smoke run
 * is configured exactly like a deployment. A group that cannot be read makes its step SKIP, naming the variable.
 *
 * @module
 */
import type { Env } from '../../src/config/env';
import { ConfigError } from '../../src/errors';
import { type Polling, SkipStep } from './step';

export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `_SECURITY_TOKEN`, as the deploy and the SDKs' default chain read them. */
export function aliyunCredentials(env: Env): AliyunCredentials {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new SkipStep('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required');
  }
  const token = env.ALIBABA_CLOUD_SECURITY_TOKEN;
  return { accessKeyId, accessKeySecret, ...(token ? { securityToken: token } : {}) };
}

/**
 * Explicit AWS keys when the environment given to the run holds them; otherwise undefined, and the SDK's own
 * chain (profile, SSO, instance role...) applies, as it does for the product.
 */
export function awsCredentials(
  env: Env,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** A product setting group, or SKIP with the reader's own message (which names the variable). */
export function productSettings<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) throw new SkipStep(error.message);
    throw error;
  }
}

/** A variable only the smoke run reads (an image to run, a spare domain); SKIP with `why` when unset. */
export function smokeSetting(env: Env, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SkipStep(`${name} is unset (${why})`);
  return value;
}

const positive = (env: Env, name: string, fallback: number): number => {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive whole number of ms`);
  return n;
};

/**
 * `SMOKE_POLL_MS` (default 5 s) and `SMOKE_TIMEOUT_MS` (default 10 min per wait): an SAE deploy or an ECS
 * rollout takes minutes, and a wait that gives up too early would report a slow cloud as a broken one.
 */
export const pollingFrom = (env: Env): Polling => ({
  intervalMs: positive(env, 'SMOKE_POLL_MS', 5_000),
  timeoutMs: positive(env, 'SMOKE_TIMEOUT_MS', 600_000),
});
