import { BackendUnavailableError } from '../errors';
import type { WorkerBackend } from './port';

/**
 * A backend whose client is loaded on its first call, not when the function composes. The lifecycle function
 * composes every configured backend on its first request, and most requests (a heartbeat, a GET) never call
 * one: loaded eagerly, the ECS or SAE client (and its SDK, in its own bundle chunk) would weigh on every cold
 * start. The facts the lifecycle reads without calling (`name`, `deploymentMode`, `capabilities`) are given
 * up front, so reading them loads nothing.
 *
 * A load that fails (a rejected setting, a chunk that will not load) answers that call with 503 naming the
 * reason, as a backend that could not be set up always has, and the next call tries again.
 *
 * @example
 * const ecs = lazyBackend({ name: 'ecs', deploymentMode: 'cloud', capabilities: { logs: false } },
 *   async () => new (await import('./ecs')).EcsBackend(options));
 */
export type BackendFacts = Pick<WorkerBackend, 'name' | 'deploymentMode' | 'capabilities'>;

export function lazyBackend(facts: BackendFacts, load: () => Promise<WorkerBackend>): WorkerBackend {
  let loading: Promise<WorkerBackend> | undefined;
  const backend = (): Promise<WorkerBackend> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw new BackendUnavailableError(
        `backend ${facts.name} is not available: ${error instanceof Error ? error.message : 'could not be set up'}`,
        { cause: error },
      );
    });
    return loading;
  };
  return {
    name: facts.name,
    deploymentMode: facts.deploymentMode,
    capabilities: facts.capabilities,
    create: async (spec, signal) => (await backend()).create(spec, signal),
    start: async (ref, signal) => (await backend()).start(ref, signal),
    stop: async (ref, signal) => (await backend()).stop(ref, signal),
    update: async (ref, spec, signal) => (await backend()).update(ref, spec, signal),
    delete: async (ref, signal) => (await backend()).delete(ref, signal),
    status: async (ref, signal) => (await backend()).status(ref, signal),
    list: async (options) => (await backend()).list(options),
    health: async () => (await backend()).health(),
    ...(facts.capabilities.logs
      ? {
          logs: async (ref: Parameters<NonNullable<WorkerBackend['logs']>>[0], options: { tail: number }) => {
            const loaded = await backend();
            if (!loaded.logs) throw new BackendUnavailableError(`backend ${facts.name} keeps no logs`);
            return loaded.logs(ref, options);
          },
        }
      : {}),
  };
}
