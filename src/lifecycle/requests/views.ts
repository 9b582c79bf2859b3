/**
 * The worker as managers see it: HiClaw's fields plus ours. Env values and key hashes never appear.
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import type { Beat, HiclawStatus, Phase, WorkerRecord } from '../model';
import { hiclawStatus, iso, isStale, nextAction } from '../model';

export interface WorkerView {
  name: string;
  backend: string;
  deployment_mode: 'local' | 'cloud';
  status: HiclawStatus;
  container_id: string | null;
  app_id: string | null;
  raw_status: string | null;
  console_host_port: number | null;
  uid: string;
  phase: Phase;
  desired: WorkerRecord['desired'];
  generation: number;
  observed_generation: number;
  image: string;
  runtime: string;
  env_names: string[];
  labels: Record<string, string>;
  team: string | null;
  created_at: string;
  ready_at: string | null;
  last_heartbeat_at: string | null;
  last_activity_at: string | null;
  idle_timeout_seconds: number;
  expires_at: string | null;
  deletion_protection: boolean;
  next_action: { kind: string; at: string } | null;
  reason: string;
  last_transition: WorkerRecord['last_transition'];
  last_error: string | null;
  attempts: number;
  observed_at: string | null;
  /** Present only when set: the agent profile, and a sleep that removed the resource. */
  profile?: Record<string, unknown>;
  sleep_removes_resource?: true;
  unmanaged?: true;
  /** Present only when set: the worker's own wake and sleep times. */
  schedule?: WorkerRecord['schedule'];
}

export function renderWorker(ctx: LifecycleContext, record: WorkerRecord, beat: Beat | null): WorkerView {
  const now = ctx.clock.now();
  const stale = isStale(record, beat, now, ctx.settings);
  const ownBeat = beat && beat.uid === record.uid ? beat : null;
  const plan = nextAction(record, ctx.settings, ownBeat);
  const mode = ctx.backends.has(record.spec.backend)
    ? (safeMode(ctx, record.spec.backend) ?? 'local')
    : 'local';
  const backendId = record.backend_ref?.id ?? null;
  return {
    name: record.name,
    backend: record.spec.backend,
    deployment_mode: mode,
    status: hiclawStatus(record, stale),
    container_id: mode === 'local' ? backendId : null,
    app_id: mode === 'cloud' ? backendId : null,
    raw_status: record.raw_status ?? null,
    console_host_port: record.backend_ref?.console_host_port ?? null,
    uid: record.uid,
    phase: record.phase,
    desired: record.desired,
    generation: record.spec_generation,
    observed_generation: record.observed_generation,
    image: record.spec.image,
    runtime: record.spec.runtime,
    env_names: Object.keys(record.spec.env_hmac).sort(),
    labels: record.labels,
    team: record.team ?? null,
    created_at: record.created_at,
    ready_at: record.ready_at ?? null,
    last_heartbeat_at: ownBeat?.at ?? null,
    last_activity_at: record.last_activity_at ?? null,
    idle_timeout_seconds: record.idle_timeout_seconds,
    expires_at: record.expires_at ?? null,
    deletion_protection: record.deletion_protection,
    next_action: plan ? { kind: plan.kind, at: iso(plan.at) } : null,
    reason: stale ? 'stale' : record.last_transition.reason,
    last_transition: record.last_transition,
    last_error: record.last_error ?? null,
    attempts: record.attempts,
    observed_at: record.observed_at ?? null,
    ...(record.spec.profile ? { profile: record.spec.profile } : {}),
    ...(record.sleep_removes_resource ? { sleep_removes_resource: true as const } : {}),
    ...(record.unmanaged ? { unmanaged: true as const } : {}),
    ...(record.schedule ? { schedule: record.schedule } : {}),
  };
}

function safeMode(ctx: LifecycleContext, name: string): 'local' | 'cloud' | undefined {
  try {
    return ctx.backends.get(name).deploymentMode;
  } catch {
    return undefined;
  }
}
