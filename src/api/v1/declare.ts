/**
 * HiClaw's declarative worker state, as lifecycle intents: Running is a wake, Sleeping a sleep, Stopped a sleep that
 * removes the resource (the record stays; a later wake or `state: Running` creates a new one). An unmanaged
 * worker's declared state is only recorded: its resource is not ours to start or stop.
 *
 * @module
 */

import type { Actor, WorkerService, WorkerView } from '../../lifecycle';
import type { DeclaredState } from './schemas';
import { DECLARED_STATE_LABEL, declaredState } from './worker-view';

/** The view after the declaration, and the version written when there was a write. `options.ifMatch`: see etag.ts. */
export async function declareState(
  service: WorkerService,
  current: WorkerView,
  state: DeclaredState,
  actor: Actor,
  options: { ifMatch?: readonly string[] } = {},
): Promise<{ worker: WorkerView; version?: string }> {
  const { name } = current;
  if (current.unmanaged) {
    if (declaredState(current) === state) return { worker: current };
    return service.update(name, { labels: { [DECLARED_STATE_LABEL]: state } }, actor, options);
  }
  switch (state) {
    case 'Running':
      return service.wake(name, actor, options);
    case 'Sleeping':
      return service.sleep(name, actor, options);
    case 'Stopped':
      return service.sleep(name, actor, { removeResource: true, ...options });
  }
}
