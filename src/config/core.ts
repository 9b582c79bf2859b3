/**
 * The orchestrator's configuration: environment → one typed object, parsed once at the edge (the function entry)
 * and passed inward. Core code never reads `process.env`.
 *
 * Adapter-specific settings (S3, OSS, Docker, SAE, ECS, STS) are read here too, but only when that adapter is
 * selected, so a Lambda never needs Docker settings and vice versa. The README lists every variable.
 *
 * @module
 */

import { z } from 'zod';
import { ConfigError } from '../errors';
import {
  DEFAULT_SETTINGS,
  DEFAULT_SWEEPER_SETTINGS,
  type LifecycleSettings,
  type SweeperSettings,
} from '../lifecycle';
import { type Env, envBool, envInt, envList, envOneOf, envString, parseEnv } from './env';

export const STORE_KINDS = ['memory', 'fs', 'r2', 's3', 'oss'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
export const BACKEND_KINDS = ['docker', 'sae', 'ecs', 'fake'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface OrchestratorConfig {
  settings: LifecycleSettings;
  auth: { mode: 'keys' | 'off'; managerKeys: string[] };
  state: { kind: StoreKind; prefix: string; fsRoot: string };
  backends: BackendKind[];
  sweeper: SweeperSettings;
  /** Data prefixes that workers' credentials reach (must not overlap the state prefix). */
  dataRoot: string;
  /** Events out: whether webhook URLs may point at private addresses (receivers inside the deployment's VPC). */
  webhooks?: { allowPrivate: boolean };
}

/** Worker data lives under these prefixes; the orchestrator's state must never share them. */
const WORKER_DATA_PREFIXES = ['agents/', 'shared/'];

const D = DEFAULT_SETTINGS;
const S = DEFAULT_SWEEPER_SETTINGS;

/** Where the state lives and which backends run workers. */
const placementSchema = (defaults: { store?: StoreKind; backends?: BackendKind[] }) =>
  z.object({
    BACKENDS: envList(),
    DEFAULT_BACKEND: envString(''),
    STATE_STORE: envOneOf(STORE_KINDS, defaults.store ?? 'fs'),
    STATE_PREFIX: envString('orchestrator/'),
    STATE_DIR: envString('.data/state'),
    DATA_ROOT: envString(''),
  });

/** Who may call: manager keys (a list, so they rotate without downtime) and the auth mode. */
const authSchema = z.object({
  MANAGER_API_KEYS: envList(),
  HICLAW_ORCHESTRATOR_API_KEY: envList(),
  AUTH_MODE: envOneOf(['keys', 'off'] as const, 'keys'),
});

/** The lifecycle's tunables. */
const lifecycleSchema = z.object({
  WORKER_KEY_PREFIX: envString(D.keyPrefix).refine((v) => /^[a-z][a-z0-9]{1,15}$/.test(v), {
    message: 'must be 2-16 lowercase letters/digits starting with a letter',
  }),
  ORCHESTRATOR_URL: envString(D.orchestratorUrl),
  DEFAULT_IMAGE: envString(D.defaultImage),
  IDLE_TIMEOUT_SECONDS: envInt(D.defaultIdleTimeoutSeconds, { min: 0 }),
  BEAT_WRITE_INTERVAL_SECONDS: envInt(D.beatWriteIntervalSeconds, { min: 1 }),
  HEARTBEAT_INTERVAL_SECONDS: envInt(D.heartbeatIntervalSeconds, { min: 1 }),
  FUNCTION_TIMEOUT_SECONDS: envInt(D.functionTimeoutSeconds, { min: 1, max: 900 }),
  REQUEST_DRIVE_BUDGET_MS: envInt(D.requestDriveBudgetMs, { min: 0 }),
  ENSURE_READY_MAX_SECONDS: envInt(D.ensureReadyMaxSeconds, { min: 0, max: 25 }),
  MAX_ATTEMPTS: envInt(D.maxAttempts, { min: 1 }),
  WEDGED_AFTER_SECONDS: envInt(D.wedgedAfterSeconds, { min: 60 }),
  KEY_ROTATION_GRACE_SECONDS: envInt(D.rotationGraceSeconds, { min: 0, max: 900 }),
  UNRESPONSIVE_AFTER_SECONDS: envInt(D.unresponsiveAfterSeconds, { min: 60 }),
  EVENT_RETENTION_DAYS: envInt(D.eventRetentionDays, { min: 1 }),
});

/** The sweeper's tunables. */
const sweeperSchema = z.object({
  // 0 means "only on demand" for the emulator's timer; the schedule itself keeps its default period.
  SWEEP_INTERVAL_SECONDS: envInt(S.runIntervalSeconds, { min: 0, max: 86_400 }),
  SWEEP_FULL_SCAN_INTERVAL_SECONDS: envInt(S.fullScanIntervalSeconds, { min: 1 }),
  ORPHAN_GRACE_SECONDS: envInt(S.orphanGraceSeconds, { min: 0 }),
  ORPHAN_ACTION: envOneOf(['report', 'stop', 'delete'] as const, S.orphanAction),
  MAX_ORPHAN_ACTIONS_PER_RUN: envInt(S.maxOrphanActionsPerRun, { min: 0, max: 1000 }),
  SWEEP_BUDGET_MS: envInt(S.budgetMs, { min: 1000 }),
  SWEEP_BACKEND_CONCURRENCY: envInt(S.backendConcurrency, { min: 1, max: 64 }),
  TOMBSTONE_RETENTION_SECONDS: envInt(S.tombstoneRetentionSeconds, { min: 60 }),
});

/** Events out. Private addresses are refused unless the operator says receivers live there. */
const webhooksSchema = z.object({ WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: envBool(false) });

export function loadConfig(
  env: Env,
  defaults: { store?: StoreKind; backends?: BackendKind[] } = {},
): OrchestratorConfig {
  const placement = parseEnv(placementSchema(defaults), env);
  const backends = (placement.BACKENDS ?? defaults.backends ?? ['docker']).map((name) => {
    if (!(BACKEND_KINDS as readonly string[]).includes(name)) {
      throw new ConfigError(
        `BACKENDS entries must be among ${BACKEND_KINDS.join(', ')}, got ${JSON.stringify(name)}`,
      );
    }
    return name as BackendKind;
  });
  if (backends.length === 0) throw new ConfigError('BACKENDS must name at least one backend');
  const defaultBackend = placement.DEFAULT_BACKEND || backends[0]!;
  if (!(backends as string[]).includes(defaultBackend)) {
    throw new ConfigError(
      `DEFAULT_BACKEND (${defaultBackend}) must be one of BACKENDS (${backends.join(', ')})`,
    );
  }
  const prefix = normalizePrefix(placement.STATE_PREFIX);
  const dataRoot = normalizePrefix(placement.DATA_ROOT);
  for (const data of WORKER_DATA_PREFIXES) {
    const workerPrefix = dataRoot + data;
    if (prefix === '' || workerPrefix.startsWith(prefix) || prefix.startsWith(workerPrefix)) {
      throw new ConfigError(
        `STATE_PREFIX (${JSON.stringify(prefix)}) must be disjoint from the workers' data prefix ${workerPrefix}`,
      );
    }
  }
  const auth = parseEnv(authSchema, env);
  const managerKeys = [...(auth.MANAGER_API_KEYS ?? []), ...(auth.HICLAW_ORCHESTRATOR_API_KEY ?? [])];
  if (auth.AUTH_MODE === 'keys' && managerKeys.length === 0) {
    throw new ConfigError(
      'MANAGER_API_KEYS (or HICLAW_ORCHESTRATOR_API_KEY) is required: an empty manager key never disables auth',
    );
  }
  for (const key of managerKeys) {
    if (key.length < 16)
      throw new ConfigError('MANAGER_API_KEYS entries must be at least 16 characters long');
  }
  const l = parseEnv(lifecycleSchema, env);
  const settings: LifecycleSettings = {
    keyPrefix: l.WORKER_KEY_PREFIX,
    orchestratorUrl: l.ORCHESTRATOR_URL,
    defaultImage: l.DEFAULT_IMAGE,
    defaultBackend,
    defaultIdleTimeoutSeconds: l.IDLE_TIMEOUT_SECONDS,
    beatWriteIntervalSeconds: l.BEAT_WRITE_INTERVAL_SECONDS,
    heartbeatIntervalSeconds: l.HEARTBEAT_INTERVAL_SECONDS,
    functionTimeoutSeconds: l.FUNCTION_TIMEOUT_SECONDS,
    requestDriveBudgetMs: l.REQUEST_DRIVE_BUDGET_MS,
    ensureReadyMaxSeconds: l.ENSURE_READY_MAX_SECONDS,
    maxAttempts: l.MAX_ATTEMPTS,
    wedgedAfterSeconds: l.WEDGED_AFTER_SECONDS,
    rotationGraceSeconds: l.KEY_ROTATION_GRACE_SECONDS,
    unresponsiveAfterSeconds: l.UNRESPONSIVE_AFTER_SECONDS,
    eventRetentionDays: l.EVENT_RETENTION_DAYS,
  };
  return {
    settings,
    auth: { mode: auth.AUTH_MODE, managerKeys },
    state: { kind: placement.STATE_STORE, prefix, fsRoot: placement.STATE_DIR },
    backends,
    sweeper: readSweeperSettings(env),
    dataRoot,
    webhooks: { allowPrivate: parseEnv(webhooksSchema, env).WEBHOOKS_ALLOW_PRIVATE_ADDRESSES },
  };
}

function readSweeperSettings(env: Env): SweeperSettings {
  const s = parseEnv(sweeperSchema, env);
  return {
    ...S,
    runIntervalSeconds: s.SWEEP_INTERVAL_SECONDS || S.runIntervalSeconds,
    fullScanIntervalSeconds: s.SWEEP_FULL_SCAN_INTERVAL_SECONDS,
    orphanGraceSeconds: s.ORPHAN_GRACE_SECONDS,
    orphanAction: s.ORPHAN_ACTION,
    maxOrphanActionsPerRun: s.MAX_ORPHAN_ACTIONS_PER_RUN,
    budgetMs: s.SWEEP_BUDGET_MS,
    backendConcurrency: s.SWEEP_BACKEND_CONCURRENCY,
    tombstoneRetentionSeconds: s.TOMBSTONE_RETENTION_SECONDS,
  };
}

const normalizePrefix = (prefix: string): string =>
  prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
