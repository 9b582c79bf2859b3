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

export async function declareState(
  service: WorkerService,
  current: WorkerView,
  state: DeclaredState,
  actor: Actor,
): Promise<WorkerView> {
  const { name } = current;
  if (current.unmanaged) {
    if (declaredState(current) === state) return current;
    return (await service.update(name, { labels: { [DECLARED_STATE_LABEL]: state } }, actor)).worker;
  }
  switch (state) {
    case 'Running':
      return (await service.wake(name, actor)).worker;
    case 'Sleeping':
      return (await service.sleep(name, actor)).worker;
    case 'Stopped':
      return (await service.sleep(name, actor, { removeResource: true })).worker;
  }
}
