/**
 * The orchestrator's configuration: environment → one typed object, parsed once at the edge (the function entry)
 * and passed inward. Core code never reads `process.env`.
 *
 * Adapter-specific settings (S3, OSS, Docker, SAE, ECS, STS) are read here too, but only when that adapter is
 * selected, so a Lambda never needs Docker settings and vice versa. The README lists every variable.
 *
 * @module
 */

import { ConfigError } from '../errors';
import {
  DEFAULT_SETTINGS,
  DEFAULT_SWEEPER_SETTINGS,
  type LifecycleSettings,
  type SweeperSettings,
} from '../lifecycle';
import { type Env, EnvReader } from './env';

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
}

/** Worker data lives under these prefixes; the orchestrator's state must never share them. */
const WORKER_DATA_PREFIXES = ['agents/', 'shared/'];

export function loadConfig(
  env: Env,
  defaults: { store?: StoreKind; backends?: BackendKind[] } = {},
): OrchestratorConfig {
  const read = new EnvReader(env);
  const backends = (read.list('BACKENDS') ?? defaults.backends ?? ['docker']).map((name) => {
    if (!(BACKEND_KINDS as readonly string[]).includes(name)) {
      throw new ConfigError(
        `BACKENDS entries must be among ${BACKEND_KINDS.join(', ')}, got ${JSON.stringify(name)}`,
      );
    }
    return name as BackendKind;
  });
  if (backends.length === 0) throw new ConfigError('BACKENDS must name at least one backend');
  const defaultBackend = read.string('DEFAULT_BACKEND', backends[0]!);
  if (!(backends as string[]).includes(defaultBackend)) {
    throw new ConfigError(
      `DEFAULT_BACKEND (${defaultBackend}) must be one of BACKENDS (${backends.join(', ')})`,
    );
  }
  const prefix = normalizePrefix(read.string('STATE_PREFIX', 'orchestrator/'));
  const dataRoot = normalizePrefix(read.string('DATA_ROOT', ''));
  for (const data of WORKER_DATA_PREFIXES) {
    const workerPrefix = dataRoot + data;
    if (prefix === '' || workerPrefix.startsWith(prefix) || prefix.startsWith(workerPrefix)) {
      throw new ConfigError(
        `STATE_PREFIX (${JSON.stringify(prefix)}) must be disjoint from the workers' data prefix ${workerPrefix}`,
      );
    }
  }
  const managerKeys = [
    ...(read.list('MANAGER_API_KEYS') ?? []),
    ...(read.list('HICLAW_ORCHESTRATOR_API_KEY') ?? []),
  ];
  const authMode = read.oneOf('AUTH_MODE', ['keys', 'off'] as const, 'keys');
  if (authMode === 'keys' && managerKeys.length === 0) {
    throw new ConfigError(
      'MANAGER_API_KEYS (or HICLAW_ORCHESTRATOR_API_KEY) is required: an empty manager key never disables auth',
    );
  }
  for (const key of managerKeys) {
    if (key.length < 16)
      throw new ConfigError('MANAGER_API_KEYS entries must be at least 16 characters long');
  }
  const settings: LifecycleSettings = {
    keyPrefix: read.string('WORKER_KEY_PREFIX', DEFAULT_SETTINGS.keyPrefix),
    orchestratorUrl: read.string('ORCHESTRATOR_URL', DEFAULT_SETTINGS.orchestratorUrl),
    defaultImage: read.string('DEFAULT_IMAGE', DEFAULT_SETTINGS.defaultImage),
    defaultBackend,
    defaultIdleTimeoutSeconds: read.int('IDLE_TIMEOUT_SECONDS', DEFAULT_SETTINGS.defaultIdleTimeoutSeconds, {
      min: 0,
    }),
    beatWriteIntervalSeconds: read.int(
      'BEAT_WRITE_INTERVAL_SECONDS',
      DEFAULT_SETTINGS.beatWriteIntervalSeconds,
      {
        min: 1,
      },
    ),
    heartbeatIntervalSeconds: read.int(
      'HEARTBEAT_INTERVAL_SECONDS',
      DEFAULT_SETTINGS.heartbeatIntervalSeconds,
      {
        min: 1,
      },
    ),
    functionTimeoutSeconds: read.int('FUNCTION_TIMEOUT_SECONDS', DEFAULT_SETTINGS.functionTimeoutSeconds, {
      min: 1,
      max: 900,
    }),
    requestDriveBudgetMs: read.int('REQUEST_DRIVE_BUDGET_MS', DEFAULT_SETTINGS.requestDriveBudgetMs, {
      min: 0,
    }),
    ensureReadyMaxSeconds: read.int('ENSURE_READY_MAX_SECONDS', DEFAULT_SETTINGS.ensureReadyMaxSeconds, {
      min: 0,
      max: 25,
    }),
    maxAttempts: read.int('MAX_ATTEMPTS', DEFAULT_SETTINGS.maxAttempts, { min: 1 }),
    wedgedAfterSeconds: read.int('WEDGED_AFTER_SECONDS', DEFAULT_SETTINGS.wedgedAfterSeconds, { min: 60 }),
    rotationGraceSeconds: read.int('KEY_ROTATION_GRACE_SECONDS', DEFAULT_SETTINGS.rotationGraceSeconds, {
      min: 0,
      max: 900,
    }),
    unresponsiveAfterSeconds: read.int(
      'UNRESPONSIVE_AFTER_SECONDS',
      DEFAULT_SETTINGS.unresponsiveAfterSeconds,
      {
        min: 60,
      },
    ),
    eventRetentionDays: read.int('EVENT_RETENTION_DAYS', DEFAULT_SETTINGS.eventRetentionDays, { min: 1 }),
  };
  if (!/^[a-z][a-z0-9]{1,15}$/.test(settings.keyPrefix)) {
    throw new ConfigError('WORKER_KEY_PREFIX must be 2-16 lowercase letters/digits starting with a letter');
  }
  return {
    settings,
    auth: { mode: authMode, managerKeys },
    state: {
      kind: read.oneOf('STATE_STORE', STORE_KINDS, defaults.store ?? 'fs'),
      prefix,
      fsRoot: read.string('STATE_DIR', '.data/state'),
    },
    backends,
    sweeper: readSweeperSettings(read),
    dataRoot,
  };
}

function readSweeperSettings(read: EnvReader): SweeperSettings {
  const d = DEFAULT_SWEEPER_SETTINGS;
  return {
    ...d,
    runIntervalSeconds:
      read.int('SWEEP_INTERVAL_SECONDS', d.runIntervalSeconds, { min: 0, max: 86_400 }) ||
      d.runIntervalSeconds,
    fullScanIntervalSeconds: read.int('SWEEP_FULL_SCAN_INTERVAL_SECONDS', d.fullScanIntervalSeconds, {
      min: 1,
    }),
    orphanGraceSeconds: read.int('ORPHAN_GRACE_SECONDS', d.orphanGraceSeconds, { min: 0 }),
    orphanAction: read.oneOf('ORPHAN_ACTION', ['report', 'stop', 'delete'] as const, d.orphanAction),
    maxOrphanActionsPerRun: read.int('MAX_ORPHAN_ACTIONS_PER_RUN', d.maxOrphanActionsPerRun, {
      min: 0,
      max: 1000,
    }),
    budgetMs: read.int('SWEEP_BUDGET_MS', d.budgetMs, { min: 1000 }),
    backendConcurrency: read.int('SWEEP_BACKEND_CONCURRENCY', d.backendConcurrency, { min: 1, max: 64 }),
    tombstoneRetentionSeconds: read.int('TOMBSTONE_RETENTION_SECONDS', d.tombstoneRetentionSeconds, {
      min: 60,
    }),
  };
}

const normalizePrefix = (prefix: string): string =>
  prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
