/**
 * Which containers are the worker's: the one under its resource name whose uid label matches (adopted by a
 * re-driven create), and the successor an interrupted update may have left under `<name>-next` (never adopted).
 *
 * @module
 */
import { BackendRejectedError } from '../../errors';
import { type CreatedResource, LABELS, type WorkerSpec } from '../port';
import type { ContainerInspect, DockerApi } from './api';
import { consoleHostPortOf } from './container';
import { startContainer } from './start-stop';

/**
 * The name an update builds the new container under before it takes the worker's name. Deterministic, so a
 * re-drive after a function died mid-update finds (and removes) what the dead one left, instead of adding another.
 */
export const nextNameOf = (resourceName: string): string => `${resourceName}-next`;

/** A container under the worker's name but with another uid label is another incarnation's: never adopt or remove it. */
export function assertOwned(container: ContainerInspect, spec: WorkerSpec): void {
  if (container.Config.Labels?.[LABELS.uid] !== spec.uid) {
    throw new BackendRejectedError(
      `container name ${spec.resourceName} is held by another worker incarnation`,
      'name',
      'name_taken',
    );
  }
}

/**
 * Removes `<name>-next` if an interrupted update left it (created, started, or already the only one). It is
 * never adopted: it may carry a key or a template the record no longer has.
 */
export async function removeLeftoverNext(
  api: DockerApi,
  resourceName: string,
  spec: WorkerSpec,
): Promise<void> {
  const leftover = await api.inspectContainer(nextNameOf(resourceName));
  if (!leftover) return;
  assertOwned(leftover, spec);
  await api.removeContainer(leftover.Id);
}

/** An existing container of this uid is ours (a re-driven create): start it if it is not running. */
export async function adopt(
  api: DockerApi,
  container: ContainerInspect,
  spec: WorkerSpec,
  consolePort: number | undefined,
): Promise<CreatedResource> {
  assertOwned(container, spec);
  if (!container.State.Running) await startContainer(api, container.Id);
  const consoleHostPort = consoleHostPortOf(container, consolePort);
  return {
    ref: { resourceName: spec.resourceName, id: container.Id },
    ...(consoleHostPort === undefined ? {} : { consoleHostPort }),
  };
}
