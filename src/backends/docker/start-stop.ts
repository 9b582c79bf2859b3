/**
 * Starting and stopping one container, with the engine's answers mapped to what they mean for the worker: already
 * there is success, a missing network is the spec's fault, a taken host port is a conflict to settle by picking again.
 *
 * @module
 */
import { BackendError, BackendRejectedError } from '../../errors';
import { type DockerApi, engineError, engineMessage } from './api';
import { ConsolePortConflict } from './console-port';
import { isPortConflictMessage } from './container';

export async function startContainer(api: DockerApi, nameOrId: string): Promise<void> {
  const reply = await api.request(`/containers/${encodeURIComponent(nameOrId)}/start`, {
    method: 'POST',
  });
  if (reply.status === 204 || reply.status === 304) return;
  const message = engineMessage(reply);
  // Older engines accept a missing network at create and only fail the start, with a 404 like a missing container.
  if (reply.status === 404 && /^network .* not found/i.test(message)) {
    throw new BackendRejectedError(`cannot start ${nameOrId}: ${message}`, 'network', 'network_not_found');
  }
  if (reply.status === 404) throw new BackendError(`container ${nameOrId} not found`);
  if (isPortConflictMessage(message)) {
    throw new ConsolePortConflict(`console host port is taken: ${message}`);
  }
  throw engineError(reply, `starting container ${nameOrId}`);
}

/** Stops within `stopTimeoutSeconds` (default 5), after which the engine kills the container. */
export async function stopContainer(
  api: DockerApi,
  nameOrId: string,
  stopTimeoutSeconds: number | undefined,
): Promise<void> {
  const seconds = stopTimeoutSeconds ?? 5;
  const reply = await api.request(`/containers/${encodeURIComponent(nameOrId)}/stop`, {
    method: 'POST',
    query: { t: seconds },
    timeoutMs: (seconds + 10) * 1000,
  });
  // 304: already stopped; 404: nothing to stop. Both leave the worker stopped, which is what was asked.
  if (reply.status === 204 || reply.status === 304 || reply.status === 404) return;
  throw engineError(reply, `stopping container ${nameOrId}`);
}
