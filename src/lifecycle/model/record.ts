/**
 * The persisted shapes of the lifecycle: the worker record, its tombstone, events and beats.
 *
 * Records are JSON in object storage (snake_case, like the wire format), timestamps are ISO-8601 strings, and
 * every write goes through compare-and-swap with a fresh `write_id` (see `src/store/cas.ts`).
 *
 * @module
 */

import type { BackendState } from '../../backends/port';
import type { WorkerSchedule } from './schedule';

export const PHASES = [
  'pending',
  'starting',
  'ready',
  'stopping',
  'sleeping',
  'updating',
  'deleting',
  'failed',
  'lost',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases in which a function is (or should be) driving the backend toward `desired`. */
export const TRANSITIONAL_PHASES: ReadonlySet<Phase> = new Set([
  'pending',
  'starting',
  'stopping',
  'updating',
  'deleting',
  'lost',
]);
/** Phases in which the worker is meant to run (the idle clock ticks, heartbeats count). */
export const AWAKE_PHASES: ReadonlySet<Phase> = new Set(['pending', 'starting', 'ready', 'updating', 'lost']);

export type Desired = 'running' | 'sleeping' | 'deleted';

export const HICLAW_STATUSES = ['running', 'ready', 'stopped', 'starting', 'not_found', 'unknown'] as const;
export type HiclawStatus = (typeof HICLAW_STATUSES)[number];

export const REASONS = [
  'created',
  'manual',
  'ready',
  'idle',
  'ttl',
  'ttl_blocked',
  'wedged',
  'unresponsive',
  'drift',
  'orphan',
  'backend_error',
  'backend_progress',
  'updated',
  'key_rotated',
  'credentials_issued',
  'schedule',
] as const;
export type Reason = (typeof REASONS)[number];

export interface Transition {
  at: string;
  from: Phase | 'none';
  to: Phase | 'deleted';
  reason: Reason;
  /** Who caused it: `manager`, `team:<team>`, `worker`, `sweeper`, `driver`. */
  actor: string;
  message?: string;
}

/** The per-worker operation lease: only its holder calls the backend for this worker. */
export interface OpLease {
  id: string;
  owner: string;
  /** The `spec_generation` the holder was asked to reach. */
  generation: number;
  expires_at: string;
}

/** The worker's spec as stored: env NAMES and an HMAC of each value, never the values. */
export interface StoredSpec {
  image: string;
  runtime: string;
  env_hmac: Record<string, string>;
  network?: string;
  extra_hosts?: string[];
  working_dir?: string;
  resources?: { cpu_millicores?: number; memory_mb?: number };
  backend: string;
  /**
   * The agent's profile (HiClaw's agent fields: model, identity, soul, skills …). Opaque here: stored, returned,
   * and handed to the worker as `HICLAW_WORKER_SPEC` (JSON); part of the template, so a change rolls the worker.
   */
  profile?: Record<string, unknown>;
}

export interface BackendRefRecord {
  resource_name: string;
  id?: string;
  console_host_port?: number;
}

export interface WorkerRecord {
  kind: 'worker';
  name: string;
  /** Random, minted per incarnation: a re-created name is a different worker. */
  uid: string;
  created_at: string;
  team?: string;
  spec: StoredSpec;
  /** Canonical fingerprint of the create request, for idempotent re-creates. */
  create_fingerprint: string;
  labels: Record<string, string>;
  idle_timeout_seconds: number;
  expires_at?: string;
  deletion_protection: boolean;
  /** Wake and sleep times in cron syntax (see `schedule.ts`); carried out by the sweeper. */
  schedule?: WorkerSchedule;
  /** Occurrences of `schedule` up to this instant are carried out (set when the schedule is set or changed). */
  schedule_from?: string;

  desired: Desired;
  /**
   * Set by a sleep that asked for the resource to be removed, not just stopped (HiClaw's `state: Stopped`): the
   * record stays, and a later wake creates a new resource. Every sleep intent sets or clears it.
   */
  sleep_removes_resource?: true;
  /** A worker whose resource is not ours to touch (HiClaw's `containerManaged: false`): it is never started. */
  unmanaged?: true;
  phase: Phase;
  phase_since: string;
  /** Bumped by every change that needs the backend (desired state, image, env, resources, key rotation). */
  spec_generation: number;
  /** The generation the backend was last driven to (recorded even when it is older than `spec_generation`). */
  observed_generation: number;
  /** Bumped only by changes the running instance must be recreated for (image, env, resources, key). */
  template_generation: number;
  /** The template the backend resource currently runs. */
  applied_template_generation: number;
  op?: OpLease;
  boot: { epoch: number; since: string; instance_id?: string };

  backend_ref?: BackendRefRecord;
  raw_status?: string;
  backend_state?: BackendState;
  observed_at?: string;
  /** Last `?refresh=true` backend call, to bound them to one per 10 s. */
  refreshed_at?: string;

  key_hash: string;
  /** The previous key, accepted by `/credentials/sts` only until `prev_key_valid_until`. */
  prev_key_hash?: string;
  prev_key_valid_until?: string;

  attempts: number;
  last_error?: string;
  /** When the driver or sweeper should look again after a failure (exponential backoff). */
  next_check_at?: string;
  /**
   * A `failed` worker whose resource has not yet been seen stopped: when the sweeper next looks it up (by the
   * derived name: a create whose answer was lost leaves no `backend_ref`) and stops it. Cleared once the backend
   * shows nothing running, and by any transition out of `failed`.
   */
  stop_check_at?: string;

  last_transition: Transition;
  event_seq: number;

  woke_at?: string;
  ready_at?: string;
  last_activity_at?: string;
  activity_lease_until?: string;

  /** The record's shape version (see `schema.ts`): set by persistence on every read and write. */
  schema_version?: number;
  write_id: string;
}

/** What a deleted worker leaves behind for 24 h: enough to answer idempotently and to ignore late writers. */
export interface Tombstone {
  kind: 'tombstone';
  deleted: true;
  name: string;
  uid: string;
  /** The team whose quota slot is released once the tombstone is written. */
  team?: string;
  deleted_at: string;
  last_transition: Transition;
  event_seq: number;
  schema_version?: number;
  write_id: string;
}

export type StoredWorker = WorkerRecord | Tombstone;

export interface WorkerEvent {
  at: string;
  name: string;
  uid: string;
  seq: number;
  from: Transition['from'];
  to: Transition['to'];
  reason: Reason;
  actor: string;
  generation: number;
  message?: string;
}

/** `beats/<name>`: the latest heartbeat, written at most every `beat_write_interval` or when `busy` changes. */
export interface Beat {
  at: string;
  uid: string;
  instance_id?: string;
  busy: boolean;
  /** Last time the worker said it was busy. */
  busy_at?: string;
}

export const isWorker = (value: StoredWorker | null | undefined): value is WorkerRecord =>
  value?.kind === 'worker';

export const ms = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);
export const iso = (epochMs: number): string => new Date(epochMs).toISOString();
