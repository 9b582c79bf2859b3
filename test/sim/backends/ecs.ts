/**
 * A simulated ECS behind the backend port, following `src/backends/ecs.ts`: one service per worker (tagged at
 * creation), awake = desiredCount 1, asleep = 0, update = RegisterTaskDefinition then UpdateService with the new
 * revision, delete = DeleteService(force) leaving the service DRAINING for a while. Tasks start and stop some
 * virtual seconds after the change that asked for them.
 */

import type { BackendStatus, CreatedResource, WorkerBackend, WorkerSpec } from '../../../src/backends/port';
import { BackendError, BackendRejectedError, BackendUnavailableError } from '../../../src/errors';
import type { Task } from '../scheduler';
import type { ResourceView, SimBackend, SimCloud, SimInstance } from './cloud';

interface Service {
  name: string;
  arn: string;
  uid: string;
  worker: string;
  deploymentId: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desired: 0 | 1;
  revision: number;
  env: Record<string, string>;
  tasks: (SimInstance & { revision: number })[];
  /** When the last change takes effect on the tasks. */
  rolloutAt?: number;
}

export class SimEcs implements SimBackend {
  readonly name = 'ecs';
  private readonly services = new Map<string, Service>();
  private readonly definitions = new Map<number, Record<string, string>>();
  private revisions = 0;

  constructor(private readonly cloud: SimCloud) {}

  private settle(s: Service): Service {
    const now = this.cloud.now();
    if (s.rolloutAt === undefined || now < s.rolloutAt) return s;
    const at = s.rolloutAt;
    delete s.rolloutAt;
    if (s.status !== 'ACTIVE') {
      s.status = 'INACTIVE';
      s.tasks = [];
    } else if (s.desired === 0) s.tasks = [];
    else if (!s.tasks.some((t) => t.revision === s.revision)) {
      s.tasks = [{ id: this.cloud.newId('ecs-t-', 12), startedAt: at, revision: s.revision }];
    }
    return s;
  }

  private change(s: Service): void {
    s.rolloutAt = this.cloud.now() + this.cloud.rng.int(5, 40) * 1000;
  }

  resources(): ResourceView[] {
    return [...this.services.values()].map((raw) => {
      const s = this.settle(raw);
      return {
        backend: this.name,
        name: s.name,
        id: s.arn,
        uid: s.uid,
        worker: s.worker,
        active: s.status === 'ACTIVE' && (s.desired === 1 || s.tasks.length > 0),
        instances: s.status === 'INACTIVE' ? [] : s.tasks.map(({ id, startedAt }) => ({ id, startedAt })),
        env: this.definitions.get(s.tasks[0]?.revision ?? s.revision) ?? s.env,
      };
    });
  }

  viewFor(task: Task): WorkerBackend {
    const api = <T>(label: string, perform: () => T) => this.cloud.call(task, `ecs ${label}`, perform);
    const describe = (name: string) =>
      api(`DescribeServices ${name}`, () => {
        const s = this.services.get(name);
        return s ? { ...this.settle(s), tasks: [...s.tasks] } : undefined;
      });
    const register = (spec: WorkerSpec) =>
      api('RegisterTaskDefinition', () => {
        const revision = ++this.revisions;
        this.definitions.set(revision, { ...spec.env });
        return revision;
      });
    const updateService = (name: string, change: Partial<Pick<Service, 'desired' | 'revision'>>) =>
      api(`UpdateService ${name} ${JSON.stringify(change)}`, () => {
        const s = this.services.get(name);
        if (!s || this.settle(s).status !== 'ACTIVE') throw new BackendError(`ECS service ${name} not found`);
        Object.assign(s, change);
        this.change(s);
        return s.arn;
      });
    const start = async (name: string) => {
      const s = await describe(name);
      if (s?.status !== 'ACTIVE') throw new BackendError(`ECS service ${name} not found`);
      if (s.desired === 1) return;
      await updateService(name, { desired: 1 });
    };
    const adopt = async (s: Service, spec: WorkerSpec): Promise<CreatedResource> => {
      if (s.status !== 'ACTIVE')
        throw new BackendUnavailableError(`ECS service ${spec.resourceName} is ${s.status}; retry later`);
      if (s.uid !== spec.uid)
        throw new BackendRejectedError(
          `ECS service ${spec.resourceName} belongs to another incarnation`,
          'name',
          'name_taken',
        );
      if (s.desired === 0) await start(spec.resourceName);
      return { ref: { resourceName: spec.resourceName, id: s.arn } };
    };
    return {
      name: this.name,
      deploymentMode: 'cloud',
      capabilities: { logs: false },
      create: async (spec) => {
        const existing = await describe(spec.resourceName);
        if (existing && existing.status !== 'INACTIVE') return adopt(existing, spec);
        const revision = await register(spec);
        const arn = await api(`CreateService ${spec.resourceName}`, () => {
          const current = this.services.get(spec.resourceName);
          if (current && this.settle(current).status !== 'INACTIVE') return undefined;
          const s: Service = {
            name: spec.resourceName,
            arn: `arn:aws:ecs:sim:service/${spec.resourceName}/${this.cloud.newId('', 8)}`,
            uid: spec.uid,
            worker: spec.name,
            deploymentId: spec.deploymentId,
            status: 'ACTIVE',
            desired: 1,
            revision,
            env: { ...spec.env },
            tasks: [],
          };
          this.change(s);
          this.services.set(s.name, s);
          this.cloud.owners.set(s.arn, spec.uid);
          return s.arn;
        });
        if (arn === undefined) {
          const found = await describe(spec.resourceName);
          if (found) return adopt(found, spec);
          throw new BackendUnavailableError(`ECS service ${spec.resourceName} is not visible yet`);
        }
        return { ref: { resourceName: spec.resourceName, id: arn } };
      },
      start: (ref) => start(ref.resourceName),
      stop: async (ref) => {
        await updateService(ref.resourceName, { desired: 0 }).catch((error) => {
          if (!(error instanceof BackendError) || !/not found/.test(error.message)) throw error;
        });
      },
      update: async (ref, spec) => {
        const revision = await register(spec);
        const arn = await updateService(ref.resourceName, { revision });
        return { ref: { resourceName: ref.resourceName, id: arn } };
      },
      delete: async (ref) => {
        await api(`DeleteService ${ref.resourceName}`, () => {
          const s = this.services.get(ref.resourceName);
          if (!s || this.settle(s).status !== 'ACTIVE') return;
          s.status = 'DRAINING';
          s.desired = 0;
          this.change(s);
        });
      },
      status: async (ref): Promise<BackendStatus> => {
        const s = await describe(ref.resourceName);
        if (s?.status !== 'ACTIVE') return { state: 'not_found', instances: [], raw: s?.status ?? 'MISSING' };
        const instances = s.tasks.map(({ id, startedAt }) => ({ id, startedAt }));
        const state = instances.length > 0 ? 'running' : s.desired === 1 ? 'starting' : 'stopped';
        return {
          state,
          instances,
          raw: `${s.status}:${s.desired}/${instances.length}`,
          ref: { resourceName: s.name, id: s.arn },
        };
      },
      list: (options = {}) =>
        api('ListServices', () => {
          const limit = options.limit ?? 100;
          const all = [...this.services.values()]
            .map((s) => this.settle(s))
            .filter((s) => s.status === 'ACTIVE' && (options.cursor === undefined || s.name > options.cursor))
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const page = all.slice(0, limit);
          return {
            items: page.map((s) => ({
              ref: { resourceName: s.name, id: s.arn },
              deploymentId: s.deploymentId,
              workerName: s.worker,
              uid: s.uid,
              state: s.tasks.length > 0 ? ('running' as const) : ('stopped' as const),
              raw: `${s.desired}/${s.tasks.length}`,
            })),
            ...(all.length > limit ? { cursor: page[page.length - 1]!.name } : {}),
          };
        }),
      health: async () => ({ ok: true, message: 'simulated ECS' }),
    };
  }
}
