/**
 * Tunables of the lifecycle, already validated by `src/config`. Each default says why.
 *
 * @module
 */

export interface LifecycleSettings {
  /** Key prefix of worker API keys (`<prefix>_<name>_<hex>`). */
  keyPrefix: string;
  /** How workers reach the orchestrator; injected as `HICLAW_ORCHESTRATOR_URL`. */
  orchestratorUrl: string;
  defaultImage: string;
  defaultBackend: string;
  /** 720 min: HiClaw's manager default; 0 disables idle sleep. */
  defaultIdleTimeoutSeconds: number;
  /**
   * A heartbeat writes `beats/` at most this often (or when `busy` changes): 600 s is 6 writes per awake
   * worker-hour at 60 s heartbeats. Staleness and the sweeper's silence check are derived from it.
   */
  beatWriteIntervalSeconds: number;
  /** How often workers heartbeat (HiClaw: 60 s); staleness = beat older than beatWrite + 3 × this. */
  heartbeatIntervalSeconds: number;
  /** The function's own timeout; an operation lease lasts this plus a 30 s clock-skew margin. */
  functionTimeoutSeconds: number;
  /** How long a request may drive the backend before answering 202 and leaving the rest to the sweeper. */
  requestDriveBudgetMs: number;
  /** ensure-ready never holds a request longer than this (API Gateway cuts at 30 s). */
  ensureReadyMaxSeconds: number;
  /** Re-drives before a worker is marked `failed`. */
  maxAttempts: number;
  /** Time in one transitional phase after which the worker is `failed` (wedged). */
  wedgedAfterSeconds: number;
  /** Grace during which a rotated-out key still works for `/credentials/sts` (0–900 s). */
  rotationGraceSeconds: number;
  /** An awake worker silent this long is restarted by the sweeper. */
  unresponsiveAfterSeconds: number;
  /** Events older than this are removed. */
  eventRetentionDays: number;
}

export const DEFAULT_SETTINGS: LifecycleSettings = {
  keyPrefix: 'wok',
  orchestratorUrl: 'http://127.0.0.1:8787',
  defaultImage: 'orchestrator-test-worker:latest',
  defaultBackend: 'fake',
  defaultIdleTimeoutSeconds: 720 * 60,
  beatWriteIntervalSeconds: 600,
  heartbeatIntervalSeconds: 60,
  functionTimeoutSeconds: 60,
  requestDriveBudgetMs: 15_000,
  ensureReadyMaxSeconds: 20,
  maxAttempts: 6,
  wedgedAfterSeconds: 30 * 60,
  rotationGraceSeconds: 0,
  unresponsiveAfterSeconds: 15 * 60,
  eventRetentionDays: 30,
};

/** Clock-skew margin added to every lease, so two functions on slightly different clocks never overlap. */
export const CLOCK_SKEW_MARGIN_MS = 30_000;
/** Readiness accepts an instance started up to this long before its boot was requested (clock skew). */
export const BOOT_SKEW_MS = 30_000;
/** Retries back off as 30 s × 2^attempts, capped at 15 min. */
export const retryBackoffMs = (attempts: number): number => Math.min(30_000 * 2 ** attempts, 15 * 60_000);
