/**
 * The compute-backend port: what the lifecycle asks of Docker, SAE or ECS.
 *
 * Contract every adapter honours (proved by `test/conformance/backend.case.ts`):
 * - `create` is idempotent: it adopts an existing resource only when its `uid` label/tag matches the spec's, and
 *   fails with `BackendRejectedError` (code `name_taken`) when the derived name belongs to another incarnation.
 *   It starts the worker; it does not wait for the worker to be ready.
 * - `start`/`stop` are idempotent and may return before the change completes (observed later through `status`).
 * - `update` replaces the running spec (image, env, resources) keeping the resource name.
 * - `delete` is idempotent: deleting a missing resource succeeds.
 * - `status` of a missing resource is `{ state: 'not_found' }`, never an exception.
 * - Failures are `BackendRejectedError` (the spec will never work), `BackendUnavailableError` (throttled,
 *   unreachable: retry later; `nothingSent` where the adapter knows the request never reached the backend) or
 *   `BackendError` (anything else).
 * - Every call takes an optional `AbortSignal`: a round abandoned at its deadline aborts it, and the adapter
 *   cancels what it has in flight (and sends nothing more) as soon as it can.
 *
 * @module
 */

export type BackendState = 'running' | 'starting' | 'stopped' | 'not_found' | 'unknown';

export interface BackendRef {
  /** Derived name: `<deployment ≤6>-<name[:20]>-<uid[:8]>`; enough to find the resource again. */
  resourceName: string;
  /** The backend's own id (container id, SAE AppId, ECS service ARN) once known. */
  id?: string;
}

export interface WorkerSpec {
  name: string;
  uid: string;
  deploymentId: string;
  resourceName: string;
  image: string;
  runtime?: string;
  /** Complete environment, including the injected HICLAW_* variables. Never logged. */
  env: Record<string, string>;
  network?: string;
  /** `host:ip` entries. */
  extraHosts?: string[];
  workingDir?: string;
  resources?: { cpuMillicores?: number; memoryMb?: number };
  /** User labels (already namespaced by the adapter as it sees fit). */
  labels: Record<string, string>;
}

export interface BackendInstance {
  id: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

export interface BackendStatus {
  state: BackendState;
  /** Running instances only. */
  instances: BackendInstance[];
  /** The backend's own status word, shown to managers as `raw_status`. */
  raw: string;
  ref?: BackendRef;
  /** Host port of the worker console, where the backend maps one (Docker). */
  consoleHostPort?: number;
}

export interface CreatedResource {
  ref: BackendRef;
  consoleHostPort?: number;
}

/** One resource of the tagged inventory. */
export interface InventoryItem {
  ref: BackendRef;
  deploymentId: string;
  workerName: string;
  uid: string;
  state: BackendState;
  raw: string;
}

export interface InventoryPage {
  items: InventoryItem[];
  cursor?: string;
}

export interface BackendHealth {
  ok: boolean;
  message: string;
}

export interface WorkerBackend {
  readonly name: string;
  readonly deploymentMode: 'local' | 'cloud';
  readonly capabilities: { logs: boolean };
  create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource>;
  start(ref: BackendRef, signal?: AbortSignal): Promise<void>;
  stop(ref: BackendRef, signal?: AbortSignal): Promise<void>;
  update(ref: BackendRef, spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource>;
  delete(ref: BackendRef, signal?: AbortSignal): Promise<void>;
  status(ref: BackendRef, signal?: AbortSignal): Promise<BackendStatus>;
  /** The resources labelled with this deployment, one page at a time. */
  list(options?: { cursor?: string; limit?: number }): Promise<InventoryPage>;
  logs?(ref: BackendRef, options: { tail: number }): Promise<string>;
  health(): Promise<BackendHealth>;
}

/**
 * Transport error codes that mean no connection was made, so no request reached the backend: adapters mark
 * such failures `nothingSent`. A timeout or a reset connection is not among them (the request may have landed).
 */
export const NOT_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Label/tag keys every adapter puts on its resources. */
export const LABELS = {
  deployment: 'orchestrator.deployment',
  worker: 'orchestrator.worker',
  uid: 'orchestrator.uid',
  userPrefix: 'orchestrator.user.',
} as const;

/**
 * `<deployment ≤6>-<name[:20]>-<uid[:8]>`: at most 36 characters and starting with a letter, which SAE
 * (AppName ≤ 36), ECS service names and Docker container names all accept. The uid part keeps two incarnations
 * of one worker name from ever sharing a resource.
 */
export const resourceNameFor = (deploymentId: string, name: string, uid: string): string => {
  const deployment = deploymentId.replace(/[^a-z0-9]/g, '').slice(0, 6) || 'w';
  const prefix = /^[a-z]/.test(deployment) ? deployment : `w${deployment.slice(0, 5)}`;
  return `${prefix}-${name.slice(0, 20).replace(/-+$/, '')}-${uid.replace(/-/g, '').slice(0, 8)}`;
};
