/**
 * Validated inputs of the lifecycle operations. The API's zod schemas produce exactly these shapes; the
 * lifecycle trusts their types but still checks cross-field rules (injected env names, lifetimes).
 *
 * @module
 */

import type { WorkerSchedule } from './schedule';

export interface ResourcesInput {
  cpu_millicores?: number;
  memory_mb?: number;
}

export interface CreateInput {
  name: string;
  image?: string;
  runtime?: string;
  env?: Record<string, string>;
  network?: string;
  extra_hosts?: string[];
  working_dir?: string;
  backend?: string;
  labels?: Record<string, string>;
  team?: string;
  resources?: ResourcesInput;
  idle_timeout_seconds?: number;
  ttl_seconds?: number;
  expires_at?: string;
  deletion_protection?: boolean;
  /** Opaque agent profile handed to the worker (see `StoredSpec.profile`). */
  profile?: Record<string, unknown>;
  /** Where the worker starts: `running` (default), asleep, or asleep with no resource (`stopped`). */
  initial_state?: 'running' | 'sleeping' | 'stopped';
  /** Record only: the resource is someone else's, never created, started or stopped (implies asleep). */
  unmanaged?: boolean;
  /** Wake and sleep times in cron syntax with a time zone. */
  schedule?: ScheduleInput;
}

/** A schedule as given: the time zone defaults to UTC. */
export type ScheduleInput = Omit<WorkerSchedule, 'time_zone'> & { time_zone?: string };

export interface UpdateInput {
  image?: string;
  /** JSON merge patch: a `null` value removes the variable. */
  env?: Record<string, string | null>;
  network?: string | null;
  extra_hosts?: string[] | null;
  working_dir?: string | null;
  resources?: ResourcesInput | null;
  labels?: Record<string, string | null>;
  idle_timeout_seconds?: number;
  ttl_seconds?: number;
  expires_at?: string | null;
  deletion_protection?: boolean;
  /** Replaces the agent profile; `null` removes it. */
  profile?: Record<string, unknown> | null;
  /** Replaces the schedule; `null` removes it. */
  schedule?: ScheduleInput | null;
}

export interface ReportInput {
  busy?: boolean;
  instance_id?: string;
}

export interface ListQuery {
  labels: [string, string][];
  status?: string;
  phase?: string;
  team?: string;
  limit: number;
  cursor?: string;
  /** `name` (default), `last_activity_at` or `-last_activity_at` (most recent first). */
  sort?: 'name' | 'last_activity_at' | '-last_activity_at';
  /** Restricts the listing to one team (team keys). */
  scopeTeam?: string;
}
