/**
 * A simulated Docker engine behind the backend port, following `src/backends/docker/adapter.ts` (and the container
 * steps it calls, beside it) call by call:
 * - create = remove a leftover `<name>-next` (inspect, remove), inspect `<name>`, create, start;
 * - update = remove a leftover `<name>-next`, inspect `<name>`, create `<name>-next` (not started), stop the old
 *   one, start the new one, remove the old one, rename the new one;
 * - stop and delete act on `<name>-next` first, then `<name>`; status inspects both and reports a running
 *   `-next` among the instances.
 * Each engine call is a scheduling point, so a function killed anywhere in an update leaves what the real one
 * would: the successor under the deterministic `-next` name, which the next create, update, stop or delete finds.
 */

import { nextNameOf } from '../../../src/backends/docker';
import type {
  BackendRef,
  BackendStatus,
  CreatedResource,
  WorkerBackend,
  WorkerSpec,
} from '../../../src/backends/port';
import { BackendError, BackendRejectedError } from '../../../src/errors';
import type { Task } from '../scheduler';
import type { ResourceView, SimBackend, SimCloud } from './cloud';

interface Container {
  id: string;
  name: string;
  uid: string;
  worker: string;
  deploymentId: string;
  env: Record<string, string>;
  running: boolean;
  startedAt: number;
}

export class SimDocker implements SimBackend {
  readonly name = 'docker';
  private readonly containers = new Map<string, Container>();

  constructor(private readonly cloud: SimCloud) {}

  resources(): ResourceView[] {
    return [...this.containers.values()].map((c) => ({
      backend: this.name,
      name: c.name,
      id: c.id,
      uid: c.uid,
      worker: c.worker,
      active: c.running,
      instances: c.running ? [{ id: c.id.slice(0, 12), startedAt: c.startedAt }] : [],
      env: c.env,
    }));
  }

  private find(nameOrId: string): Container | undefined {
    return [...this.containers.values()].find((c) => c.name === nameOrId || c.id === nameOrId);
  }

  viewFor(task: Task): WorkerBackend {
    const engine = <T>(label: string, perform: () => T) => this.cloud.call(task, `docker ${label}`, perform);
    const inspect = (name: string) =>
      engine(`inspect ${name}`, () => {
        const c = this.find(name);
        return c ? { ...c } : undefined;
      });
    const start = (nameOrId: string) =>
      engine(`start ${nameOrId}`, () => {
        const c = this.find(nameOrId);
        if (!c) throw new BackendError(`container ${nameOrId} not found`);
        if (!c.running) Object.assign(c, { running: true, startedAt: this.cloud.now() });
      });
    const stop = (nameOrId: string) =>
      engine(`stop ${nameOrId}`, () => {
        const c = this.find(nameOrId);
        if (c) c.running = false;
      });
    const remove = (nameOrId: string) =>
      engine(`remove ${nameOrId}`, () => {
        const c = this.find(nameOrId);
        if (c) this.containers.delete(c.id);
      });
    const assertOwned = (c: Container, spec: WorkerSpec) => {
      if (c.uid !== spec.uid)
        throw new BackendRejectedError(
          `container name ${spec.resourceName} is held by another incarnation`,
          'name',
          'name_taken',
        );
    };
    const adopt = async (c: Container, spec: WorkerSpec): Promise<CreatedResource> => {
      assertOwned(c, spec);
      if (!c.running) await start(c.id);
      return { ref: { resourceName: spec.resourceName, id: c.id } };
    };
    /** A successor an interrupted update left is never adopted (it may carry an old key): it goes first. */
    const removeLeftoverNext = async (resourceName: string, spec: WorkerSpec) => {
      const leftover = await inspect(nextNameOf(resourceName));
      if (!leftover) return;
      assertOwned(leftover, spec);
      await remove(leftover.id);
    };
    const createContainer = async (
      spec: WorkerSpec,
      name: string,
      andStart: boolean,
    ): Promise<CreatedResource> => {
      const made = await engine(`create ${name}`, () => {
        if (this.find(name)) return undefined;
        const c: Container = {
          id: this.cloud.newId('', 64),
          name,
          uid: spec.uid,
          worker: spec.name,
          deploymentId: spec.deploymentId,
          env: { ...spec.env },
          running: false,
          startedAt: 0,
        };
        this.containers.set(c.id, c);
        this.cloud.owners.set(c.id, spec.uid);
        return c.id;
      });
      if (made === undefined) {
        // 409: a concurrent create took the name. Only a create adopts it; an update's successor never does.
        if (andStart) {
          const existing = await inspect(name);
          if (existing) return adopt(existing, spec);
        }
        throw new BackendError(`creating container ${name}: conflict`);
      }
      try {
        if (andStart) await start(made);
        return { ref: { resourceName: name, id: made } };
      } catch (error) {
        await remove(made).catch(() => undefined);
        throw error;
      }
    };
    const status = async (ref: BackendRef): Promise<BackendStatus> => {
      const [c, leftover] = await Promise.all([
        inspect(ref.resourceName),
        inspect(nextNameOf(ref.resourceName)),
      ]);
      const extra = leftover?.running
        ? [{ id: leftover.id.slice(0, 12), startedAt: leftover.startedAt }]
        : [];
      if (!c) return { state: 'not_found', instances: extra, raw: extra.length ? 'missing+next' : 'missing' };
      const raw = c.running ? 'running' : 'exited';
      return {
        state: c.running ? 'running' : 'stopped',
        instances: [...(c.running ? [{ id: c.id.slice(0, 12), startedAt: c.startedAt }] : []), ...extra],
        raw: extra.length ? `${raw}+next` : raw,
        ref: { resourceName: ref.resourceName, id: c.id },
      };
    };
    return {
      name: this.name,
      deploymentMode: 'local',
      capabilities: { logs: false },
      create: async (spec) => {
        await removeLeftoverNext(spec.resourceName, spec);
        const existing = await inspect(spec.resourceName);
        if (existing) return adopt(existing, spec);
        return createContainer(spec, spec.resourceName, true);
      },
      start: (ref) => start(ref.resourceName),
      stop: async (ref) => {
        await stop(nextNameOf(ref.resourceName));
        await stop(ref.resourceName);
      },
      update: async (ref, spec, signal) => {
        await removeLeftoverNext(ref.resourceName, spec);
        const existing = await inspect(ref.resourceName);
        if (existing) assertOwned(existing, spec);
        if (!existing) return createContainer(spec, ref.resourceName, true);
        const next = await createContainer(spec, nextNameOf(ref.resourceName), false);
        const id = next.ref.id!;
        const wasRunning = existing.running;
        // As the adapter: the old one runs again only once the successor is surely gone, and never from a round
        // aborted at its deadline.
        const rollBack = async () => {
          const gone = await remove(id).then(
            () => true,
            () => false,
          );
          if (gone && wasRunning && !signal?.aborted) await start(existing.id).catch(() => undefined);
        };
        try {
          if (wasRunning) await stop(existing.id);
          await start(id);
        } catch (error) {
          await rollBack();
          throw error;
        }
        try {
          await remove(existing.id);
          await engine(`rename ${id} → ${ref.resourceName}`, () => {
            const c = this.find(id);
            if (!c) throw new BackendError(`container ${id} not found`);
            if (this.find(ref.resourceName)) throw new BackendError(`name ${ref.resourceName} is in use`);
            c.name = ref.resourceName;
          });
        } catch (error) {
          await rollBack();
          throw error;
        }
        return { ref: { resourceName: ref.resourceName, id } };
      },
      delete: async (ref) => {
        await remove(nextNameOf(ref.resourceName));
        await remove(ref.resourceName);
      },
      status,
      list: (options = {}) =>
        engine('list', () => {
          const limit = options.limit ?? 100;
          const all = [...this.containers.values()]
            .filter((c) => options.cursor === undefined || c.name > options.cursor)
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const page = all.slice(0, limit);
          return {
            items: page.map((c) => ({
              ref: { resourceName: c.name, id: c.id },
              deploymentId: c.deploymentId,
              workerName: c.worker,
              uid: c.uid,
              state: c.running ? ('running' as const) : ('stopped' as const),
              raw: c.running ? 'running' : 'exited',
            })),
            ...(all.length > limit ? { cursor: page[page.length - 1]!.name } : {}),
          };
        }),
      health: async () => ({ ok: true, message: 'simulated docker' }),
    };
  }
}
