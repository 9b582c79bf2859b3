/**
 * Everything a run can be told: its seed and length, the fault rates of every layer, which invariants are checked
 * and how often each kind of actor acts. Tests narrow these to target one scenario; the defaults are the soak's.
 */
import { type BackendFaults, NO_BACKEND_FAULTS } from './backends/cloud';
import { NO_SCHEDULE_FAULTS, type ScheduleFaults } from './scheduler';
import { NO_STORE_FAULTS, type StoreFaults } from './sim-store';

export const INVARIANTS = [
  'single_running_resource',
  'no_foreign_resource',
  'team_quota',
  'hint_covers_deadline',
  'secret_has_record',
  'spec_has_secrets',
  'busy_not_slept',
  'activity_on_awake_worker',
  'lifetime_not_extended',
  'no_internal_error',
  'converged',
  'deleted_incarnation_gone',
  'no_stale_hint',
  'events_explain_phases',
  'webhook_for_commit',
  'webhook_delivered',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export const ACTORS = [
  'create',
  'team_create',
  'wake',
  'sleep',
  'ensure_ready',
  'patch',
  'rotate_key',
  'delete',
  'activity',
  'report',
  'credentials',
  'sweep',
  'tick',
] as const;
export type ActorKind = (typeof ACTORS)[number];

export interface Faults {
  store: StoreFaults;
  backend: BackendFaults;
  schedule: ScheduleFaults;
}

export interface SimOptions {
  steps: number;
  faults: Faults;
  /** Only these invariants are checked (default: all). */
  invariants: readonly InvariantName[];
  /** Relative frequency of each actor; 0 switches one off. */
  actors: Record<ActorKind, number>;
  /** Worker names the actors fight over: few names, many collisions. */
  names: readonly string[];
  backends: readonly ('docker' | 'sae' | 'ecs')[];
  /** Run to quiescence at the end and check the convergence invariants. */
  quiesce: boolean;
  /** Stop at the first violation (the soak does; a diagnostic run may want them all). */
  stopAtFirst: boolean;
  /** Scheduler events kept for the trace of a failure. */
  traceLines: number;
}

export const DEFAULT_FAULTS: Faults = {
  store: {
    throttle: 0.003,
    lostResponse: 0.005,
    lostConditionalDelete: 0.05,
    stall: 0.005,
    listingMiss: 0.02,
  },
  backend: { nothingSent: 0.02, sentUnknown: 0.02 },
  schedule: {
    killBefore: 0.004,
    killAfter: 0.004,
    freeze: 0.002,
    freezeAnswered: 0.05,
    freezeAfterFiling: 0.5,
  },
};

export const NO_FAULTS: Faults = {
  store: NO_STORE_FAULTS,
  backend: NO_BACKEND_FAULTS,
  schedule: NO_SCHEDULE_FAULTS,
};

export const DEFAULT_ACTORS: Record<ActorKind, number> = {
  create: 6,
  team_create: 3,
  wake: 3,
  sleep: 3,
  ensure_ready: 2,
  patch: 3,
  rotate_key: 1,
  delete: 2,
  activity: 3,
  report: 14,
  credentials: 1,
  sweep: 5,
  tick: 12,
};

export const DEFAULT_OPTIONS: SimOptions = {
  steps: 300,
  faults: DEFAULT_FAULTS,
  invariants: INVARIANTS,
  actors: DEFAULT_ACTORS,
  names: ['w1', 'w2', 'w3', 'w4'],
  backends: ['docker', 'sae', 'ecs'],
  quiesce: true,
  stopAtFirst: true,
  traceLines: 40,
};

export type SimOverrides = Partial<Omit<SimOptions, 'faults' | 'actors'>> & {
  faults?: Partial<{ [K in keyof Faults]: Partial<Faults[K]> }>;
  actors?: Partial<Record<ActorKind, number>>;
};

export function withDefaults(overrides: SimOverrides = {}): SimOptions {
  const f = overrides.faults ?? {};
  return {
    ...DEFAULT_OPTIONS,
    ...overrides,
    faults: {
      store: { ...DEFAULT_FAULTS.store, ...f.store },
      backend: { ...DEFAULT_FAULTS.backend, ...f.backend },
      schedule: { ...DEFAULT_FAULTS.schedule, ...f.schedule },
    },
    actors: { ...DEFAULT_ACTORS, ...overrides.actors },
  };
}
