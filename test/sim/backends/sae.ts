/**
 * A simulated SAE behind the backend port, following `src/backends/sae.ts`: an application per worker whose every
 * change is an asynchronous change order (a second one is refused while one runs), created WITHOUT tags and
 * tagged by a second call (TagResources), so a function that dies in between leaves an application the tagged
 * inventory never lists.
 */

import type {
  BackendRef,
  BackendStatus,
  CreatedResource,
  WorkerBackend,
  WorkerSpec,
} from '../../../src/backends/port';
import { BackendError, BackendRejectedError, BackendUnavailableError } from '../../../src/errors';
import type { Task } from '../scheduler';
import type { ResourceView, SimBackend, SimCloud, SimInstance } from './cloud';

type OrderKind = 'CoCreateApp' | 'CoStart' | 'CoStop' | 'CoDeploy' | 'CoDeleteApp';

interface App {
  id: string;
  name: string;
  uid: string;
  worker: string;
  tags?: { uid: string; deploymentId: string };
  env: Record<string, string>;
  status: 'RUNNING' | 'STOPPED';
  order?: { kind: OrderKind; until: number };
  instance?: SimInstance;
}

const STARTS: ReadonlySet<OrderKind> = new Set(['CoCreateApp', 'CoStart']);

export class SimSae implements SimBackend {
  readonly name = 'sae';
  private readonly apps = new Map<string, App>();

  constructor(private readonly cloud: SimCloud) {}

  /** Completes a change order whose time has come (lazily, on every look). */
  private settle(app: App): App | undefined {
    const order = app.order;
    if (!order || this.cloud.now() < order.until) return app;
    delete app.order;
    if (order.kind === 'CoDeleteApp') {
      this.apps.delete(app.id);
      return undefined;
    }
    const boots = STARTS.has(order.kind) || (order.kind === 'CoDeploy' && app.status === 'RUNNING');
    if (order.kind === 'CoStop') {
      app.status = 'STOPPED';
      delete app.instance;
    } else if (boots) {
      app.status = 'RUNNING';
      app.instance = { id: this.cloud.newId('sae-i-', 12), startedAt: order.until };
    }
    return app;
  }

  private byName(name: string): App | undefined {
    const app = [...this.apps.values()].find((a) => a.name === name);
    return app ? this.settle(app) : undefined;
  }

  private byId(id: string): App | undefined {
    const app = this.apps.get(id);
    return app ? this.settle(app) : undefined;
  }

  resources(): ResourceView[] {
    return [...this.apps.values()].flatMap((raw) => {
      const app = this.settle(raw);
      if (!app) return [];
      const starting =
        app.order !== undefined &&
        (STARTS.has(app.order.kind) || (app.order.kind === 'CoDeploy' && app.status === 'RUNNING'));
      return [
        {
          backend: this.name,
          name: app.name,
          id: app.id,
          uid: app.uid,
          worker: app.worker,
          active: app.instance !== undefined || starting,
          instances: app.instance ? [app.instance] : [],
          env: app.env,
        },
      ];
    });
  }

  viewFor(task: Task): WorkerBackend {
    const api = <T>(label: string, perform: () => T) => this.cloud.call(task, `sae ${label}`, perform);
    const clock = this.cloud.scheduler.clockFor(task);
    const orderTime = () => this.cloud.now() + this.cloud.rng.int(5, 40) * 1000;
    const findByName = (name: string) =>
      api(`ListApplications ${name}`, () => {
        const app = this.byName(name);
        return app ? { id: app.id, tags: app.tags } : undefined;
      });
    const appIdOf = async (ref: BackendRef) => ref.id ?? (await findByName(ref.resourceName))?.id;
    /** Submits a change order, waiting (as the adapter does) while another one runs. */
    const submit = async (appId: string, kind: OrderKind, change: (app: App) => void = () => {}) => {
      for (let attempt = 0; ; attempt++) {
        const outcome = await api(`${kind} ${appId}`, () => {
          const app = this.byId(appId);
          if (!app) return 'not_found' as const;
          if (app.order) return 'busy' as const;
          change(app);
          app.order = { kind, until: orderTime() };
          return 'submitted' as const;
        });
        if (outcome !== 'busy') return outcome;
        if (attempt >= 3) throw new BackendUnavailableError('Application.ChangerOrderRunning: retry later');
        await clock.sleep(2_000);
      }
    };
    const tag = (appId: string, spec: WorkerSpec) =>
      api(`TagResources ${appId}`, () => {
        const app = this.byId(appId);
        if (app) app.tags = { uid: spec.uid, deploymentId: spec.deploymentId };
      });
    const describe = (appId: string) =>
      api(`DescribeApplicationStatus ${appId}`, () => {
        const app = this.byId(appId);
        return app ? { status: app.status, order: app.order?.kind, instance: app.instance } : undefined;
      });
    const start = async (ref: BackendRef) => {
      const appId = await appIdOf(ref);
      const s = appId ? await describe(appId) : undefined;
      if (!appId || !s) throw new BackendError(`SAE application ${ref.resourceName} not found`);
      if (s.status === 'RUNNING' && !s.order) return;
      if ((await submit(appId, 'CoStart')) === 'not_found')
        throw new BackendError(`SAE application ${ref.resourceName} not found`);
    };
    const adopt = async (
      found: { id: string; tags?: App['tags'] },
      spec: WorkerSpec,
    ): Promise<CreatedResource> => {
      if (found.tags && found.tags.uid !== spec.uid)
        throw new BackendRejectedError(
          `SAE application ${spec.resourceName} belongs to another incarnation`,
          'name',
          'name_taken',
        );
      if (!found.tags) await tag(found.id, spec);
      const ref = { resourceName: spec.resourceName, id: found.id };
      await start(ref);
      return { ref };
    };
    return {
      name: this.name,
      deploymentMode: 'cloud',
      capabilities: { logs: false },
      create: async (spec) => {
        const existing = await findByName(spec.resourceName);
        if (existing) return adopt(existing, spec);
        const appId = await api(`CreateApplication ${spec.resourceName}`, () => {
          if (this.byName(spec.resourceName)) return undefined;
          const app: App = {
            id: this.cloud.newId('sae-', 16),
            name: spec.resourceName,
            uid: spec.uid,
            worker: spec.name,
            env: { ...spec.env },
            status: 'STOPPED',
            order: { kind: 'CoCreateApp', until: orderTime() },
          };
          this.apps.set(app.id, app);
          this.cloud.owners.set(app.id, spec.uid);
          return app.id;
        });
        if (appId === undefined) {
          const found = await findByName(spec.resourceName);
          if (found) return adopt(found, spec);
          throw new BackendUnavailableError(
            `SAE application ${spec.resourceName} exists but is not listed yet`,
          );
        }
        await tag(appId, spec).catch(() => undefined);
        return { ref: { resourceName: spec.resourceName, id: appId } };
      },
      start,
      stop: async (ref) => {
        const appId = await appIdOf(ref);
        const s = appId ? await describe(appId) : undefined;
        if (!appId || !s) return;
        if (s.status === 'STOPPED' && !s.order) return;
        await submit(appId, 'CoStop');
      },
      update: async (ref, spec) => {
        const appId = await appIdOf(ref);
        const outcome = appId
          ? await submit(appId, 'CoDeploy', (app) => (app.env = { ...spec.env }))
          : 'not_found';
        if (outcome === 'not_found') throw new BackendError(`SAE application ${ref.resourceName} not found`);
        return { ref: { resourceName: ref.resourceName, id: appId! } };
      },
      delete: async (ref) => {
        const appId = await appIdOf(ref);
        if (appId) await submit(appId, 'CoDeleteApp');
      },
      status: async (ref): Promise<BackendStatus> => {
        const missing: BackendStatus = { state: 'not_found', instances: [], raw: 'NOT_FOUND' };
        const appId = await appIdOf(ref);
        const s = appId ? await describe(appId) : undefined;
        if (!appId || !s) return missing;
        const found = { resourceName: ref.resourceName, id: appId };
        const instances = s.instance ? [s.instance] : [];
        if (s.order === 'CoDeleteApp') return { ...missing, raw: 'DELETING', ref: found };
        if (s.order)
          return { state: 'starting', instances, raw: `${s.status}:${s.order}_RUNNING`, ref: found };
        if (s.status === 'RUNNING')
          return { state: instances.length ? 'running' : 'starting', instances, raw: 'RUNNING', ref: found };
        return { state: 'stopped', instances, raw: 'STOPPED', ref: found };
      },
      list: (options = {}) =>
        api('ListApplications (tagged)', () => {
          const limit = options.limit ?? 50;
          const tagged = [...this.apps.values()]
            .filter((a) => a.tags && (options.cursor === undefined || a.name > options.cursor))
            .sort((a, b) => (a.name < b.name ? -1 : 1));
          const page = tagged.slice(0, limit);
          return {
            items: page.map((a) => ({
              ref: { resourceName: a.name, id: a.id },
              deploymentId: a.tags!.deploymentId,
              workerName: a.worker,
              uid: a.tags!.uid,
              state: a.status === 'RUNNING' ? ('running' as const) : ('stopped' as const),
              raw: a.status,
            })),
            ...(tagged.length > limit ? { cursor: page[page.length - 1]!.name } : {}),
          };
        }),
      health: async () => ({ ok: true, message: 'simulated SAE' }),
    };
  }
}
