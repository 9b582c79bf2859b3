/**
 * The emulator's settings from the environment of `npm start`, and the rules that guard them: the emulator listens
 * on loopback unless told otherwise, auth can be switched off only on loopback, and the Docker engine is reached
 * over its unix socket only.
 *
 * @module
 */
import { isIP } from 'node:net';
import { DEFAULT_DOCKER_SOCKET } from '../../src/backends/docker/node';
import {
  LIFECYCLE_VARIABLES,
  STATE_VARIABLES,
  STS_VARIABLES,
  SWEEPER_VARIABLES,
} from '../../src/config/variables';
import { ConfigError } from '../../src/errors';

export interface EmulatorOptions {
  /** Address to listen on (default 127.0.0.1). */
  host: string;
  /** Port to listen on; 0 picks a free one (tests). */
  port: number;
  /** State (R2), the manager key and the bundle live here (default `.data`). */
  dataDir: string;
  /** The Docker engine's unix socket. */
  socketPath: string;
  /** How often the scheduled (sweeper) function fires; 0 = only when `triggerSweep` is called. */
  sweepIntervalSeconds: number;
  /** Orchestrator configuration passed to the functions as bindings (`BACKENDS`, `DEFAULT_IMAGE`, ...). */
  vars: Record<string, string>;
  /** Where the functions' log lines go (default: this process's stdout). */
  onLog?: (line: string) => void;
}

/**
 * Configuration variables forwarded from the environment to the functions. `test/platforms/workerd.test.ts`
 * checks that every variable `loadConfig` and the Docker options read is here.
 */
export const FORWARDED_VARS = [
  'BACKENDS',
  'STATE_STORE',
  'STATE_DIR',
  'MANAGER_API_KEYS',
  'HICLAW_ORCHESTRATOR_API_KEY',
  'AUTH_MODE',
  'ORCHESTRATOR_URL',
  'FUNCTION_TIMEOUT_SECONDS',
  ...STATE_VARIABLES,
  ...LIFECYCLE_VARIABLES,
  ...SWEEPER_VARIABLES,
  'DOCKER_CONSOLE_PORT',
  'DOCKER_PULL_TIMEOUT_SECONDS',
  'DOCKER_ALLOWED_NETWORKS',
  'DOCKER_ALLOWED_EXTRA_HOSTS',
  'DOCKER_ALLOWED_REGISTRIES',
  'DOCKER_DEFAULT_NETWORK',
  'STS_PROVIDER',
  ...STS_VARIABLES,
  'STS_S3_ENDPOINT',
  'OSS_BUCKET',
  'OSS_REGION',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
  // Read by the issuer in the emulator's Node process only; never passed to the functions as bindings.
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

/** Allow-lists where "set but empty" means "allow none": forwarded even when empty, never dropped as unset. */
const ALLOW_LISTS = new Set<string>([
  'DOCKER_ALLOWED_NETWORKS',
  'DOCKER_ALLOWED_EXTRA_HOSTS',
  'DOCKER_ALLOWED_REGISTRIES',
]);

export const DEFAULT_PORT = 8787;

/** The emulator's defaults: the Docker backend and the locally built reference worker image. */
export const DEFAULT_VARS: Record<string, string> = {
  BACKENDS: 'docker',
  DEFAULT_IMAGE: 'orchestrator-test-worker:latest',
  // The reference worker serves a small console on the host port it is given (HiClaw's `console_host_port`).
  DOCKER_CONSOLE_PORT: '8080',
};

export const isLoopback = (host: string): boolean => {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
};

/** `npm start`'s settings: HOST, PORT, EMULATOR_DATA_DIR, SWEEP_INTERVAL_SECONDS, DOCKER_HOST and the config. */
export function emulatorOptionsFromEnv(env: NodeJS.ProcessEnv): EmulatorOptions {
  const vars: Record<string, string> = { ...DEFAULT_VARS };
  for (const name of FORWARDED_VARS) {
    const value = env[name]?.trim();
    if (value || (value === '' && ALLOW_LISTS.has(name))) vars[name] = value;
  }
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: intSetting(env, 'PORT', DEFAULT_PORT, 0, 65_535),
    dataDir: env.EMULATOR_DATA_DIR?.trim() || '.data',
    socketPath: dockerSocketFrom(env.DOCKER_HOST),
    sweepIntervalSeconds: intSetting(env, 'SWEEP_INTERVAL_SECONDS', 60, 0, 86_400),
    vars,
  };
}

/** The emulator's own guard rails, checked before anything starts. */
export function checkEmulatorOptions(options: EmulatorOptions): void {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(options.host)) {
    throw new ConfigError(`HOST must be a host name or an IP address, got ${JSON.stringify(options.host)}`);
  }
  if (options.vars.AUTH_MODE === 'off' && !isLoopback(options.host)) {
    throw new ConfigError(
      `AUTH_MODE=off is allowed only when the emulator listens on loopback alone (HOST=127.0.0.1), not HOST=${options.host}: anyone who can reach it could create containers on this machine`,
    );
  }
}

function dockerSocketFrom(dockerHost: string | undefined): string {
  const value = dockerHost?.trim();
  if (!value) return DEFAULT_DOCKER_SOCKET;
  if (value.startsWith('unix://')) return value.slice('unix://'.length);
  throw new ConfigError(
    `DOCKER_HOST=${value} is not supported: the emulator reaches the engine over its unix socket only (unix:///path)`,
  );
}

function intSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ConfigError(
      `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
