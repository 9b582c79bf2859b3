/**
 * Our worker, in the hiclaw-controller's words. Every word here is a view of the lifecycle's record: the phase
 * words of our phases, the declared `state` of `desired`, `containerState` of the backend's last observed state.
 * `Ready` is said only when the current boot reported ready (our persisted, boot-bound readiness) and its
 * heartbeat is fresh, never from a flag kept in memory.
 *
 * @module
 */

import type { WorkerView } from '../../lifecycle';
import { AGENT_FIELD_NAMES, DECLARED_STATES, type DeclaredState, type PhaseWord } from './schemas';

/**
 * An unmanaged worker is never run here, so its declared state has no desired state to live in: it is kept in this
 * label (the `hiclaw.` label namespace is reserved: a user cannot set it through the older contract).
 */
export const DECLARED_STATE_LABEL = 'hiclaw.state';

export function declaredState(view: WorkerView): DeclaredState {
  if (view.unmanaged) {
    const label = view.labels[DECLARED_STATE_LABEL];
    return (DECLARED_STATES as readonly string[]).includes(label ?? '')
      ? (label as DeclaredState)
      : 'Running';
  }
  if (view.desired === 'running') return 'Running';
  // A worker being deleted is on its way to having no resource: the closest declared word is Stopped.
  if (view.desired === 'deleted' || view.sleep_removes_resource) return 'Stopped';
  return 'Sleeping';
}

export function phaseWord(view: WorkerView): PhaseWord {
  // HiClaw reports an unmanaged worker's phase as its declared state; we cannot observe it either.
  if (view.unmanaged) return declaredState(view);
  switch (view.phase) {
    case 'pending':
    case 'lost':
      return 'Pending';
    case 'starting':
    case 'updating':
      return 'Running';
    case 'ready':
      // `status` is `ready` only while the heartbeat is fresh; a stale one is `running`.
      return view.status === 'ready' ? 'Ready' : 'Running';
    case 'stopping':
    case 'sleeping':
    case 'deleting':
      return declaredState(view) === 'Stopped' ? 'Stopped' : 'Sleeping';
    case 'failed':
      return 'Failed';
  }
}

type ContainerState = 'running' | 'starting' | 'stopped' | 'not_found' | 'unknown';

/**
 * The backend's state as the record knows it (a just-created resource is `starting` until observed running); a
 * worker with no resource (never created, or removed) has none.
 */
export function containerState(view: WorkerView): ContainerState {
  if (view.container_id === null && view.app_id === null) return 'not_found';
  switch (view.status) {
    case 'running':
    case 'ready':
      return 'running';
    case 'starting':
      return 'starting';
    case 'stopped':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/** The WorkerResponse of the controller contract (get, list items, create, update, status). */
export function toV1Worker(view: WorkerView, options: { withBackendMessage?: boolean } = {}) {
  const profile = view.profile ?? {};
  const agent = Object.fromEntries(
    AGENT_FIELD_NAMES.filter((name) => profile[name] !== undefined).map((name) => [name, profile[name]]),
  );
  const container = containerState(view);
  const message = options.withBackendMessage
    ? `backend=${view.backend} status=${container}`
    : (view.last_error ?? undefined);
  return {
    name: view.name,
    phase: phaseWord(view),
    state: declaredState(view),
    // HiClaw omits the field when false.
    ...(view.unmanaged ? {} : { containerManaged: true }),
    ...agent,
    ...(view.runtime ? { runtime: view.runtime } : {}),
    image: view.image,
    containerState: view.unmanaged ? ('unknown' as const) : container,
    ...(message ? { message } : {}),
    ...(view.team ? { team: view.team, role: 'worker' } : {}),
  };
}

export const toV1Lifecycle = (view: WorkerView) => ({ name: view.name, phase: phaseWord(view) });
