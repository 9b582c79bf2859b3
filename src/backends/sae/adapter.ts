/**
 * Alibaba Cloud SAE backend: one application per worker (AppName = the derived resource name).
 *
 * Every SAE change (create, start, stop, deploy, delete) is an asynchronous change order, and SAE refuses a
 * second one while one runs (`Application.ChangerOrderRunning`). The adapter starts work and returns: it retries
 * a refused change with bounded backoff only while the order in flight does not already lead where it wants to
 * go (a running CoStop satisfies `stop`, a running CoDeleteApp satisfies `delete`), and `status` reports an
 * order in flight as `starting` until it settles. SAE takes no tags on CreateApplication, so create records the
 * AppId first and tags afterwards; an untagged application with our name (the name carries the uid) is the
 * leftover of a create that died before tagging, and is adopted and tagged.
 *
 * @example
 * const sae = new SaeBackend({ regionId: 'cn-hangzhou', deploymentId, accessKeyId, accessKeySecret,
 *   namespaceId: 'cn-hangzhou:agents', vpcId, vSwitchId, securityGroupId });
 * const { ref } = await sae.create(spec);   // returns once the create change order has started
 *
 * @module
 */

import { BackendError, BackendRejectedError, BackendUnavailableError } from '../../errors';
import type {
  BackendHealth,
  BackendRef,
  BackendStatus,
  CreatedResource,
  InventoryPage,
  WorkerBackend,
  WorkerSpec,
} from '../port';
import { LABELS } from '../port';
import { type ChangeRequest, SaeChanges } from './changes';
import { SaeApiError, SaeClient, type SaeClientOptions, type SaeCredentials } from './client';
import { translateSaeError } from './errors';
import { listSaeInventory } from './inventory';
import { APP_PATH, type AppSummary, SaeQueries } from './queries';
import { saeEnvs, saeHostAliases, saeInstanceSize, tagMap } from './spec';

export interface SaeBackendOptions extends Omit<SaeClientOptions, 'credentials'> {
  /** Tags every application; `list()` returns only applications carrying it. */
  deploymentId: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  /** Instead of the three fields above: a getter for rotating credentials, read on every request. */
  credentials?: () => Promise<SaeCredentials>;
  /** e.g. `cn-hangzhou:agents`; unset = the region's default namespace. */
  namespaceId?: string;
  vpcId?: string;
  vSwitchId?: string;
  securityGroupId?: string;
  /** ACR Enterprise Edition instance for private images. */
  acrInstanceId?: string;
  /** RAM role for pulling images across accounts. */
  acrAssumeRoleArn?: string;
  /** Size when the spec sets none (default 1000 millicores / 2048 MB, an allowed SAE pair). */
  defaultCpuMillicores?: number;
  defaultMemoryMb?: number;
  /** How long one call keeps retrying a change refused by a running order, or a just-created app not yet visible. */
  changeOrderWaitMs?: number;
  /** First backoff of those retries (default 250 ms, doubling, capped at 2 s). */
  changeOrderRetryMs?: number;
  /** ListApplications page size for `list()` (default 50, max 100). */
  pageSize?: number;
}

/** Orders that, while running, already take the app to running: a start need not queue behind them. */
const STARTING = new Set([
  'CoCreateApp',
  'CoStart',
  'CoDeploy',
  'CoRestartApplication',
  'CoRollback',
  'CoScaleOut',
]);
const FAILED = new Set(['FAIL', 'SYSTEM_FAIL', 'ABORT']);
/**
 * Sent with every DeployApplication and RestartApplication. SAE otherwise keeps MinReadyInstances (default 1)
 * old instances serving until the new ones are ready, so a one-instance worker would run twice at once: two
 * copies heartbeating, taking work and writing its data. Zero stops the old one first; the worker is briefly
 * down instead, which the lifecycle already treats as a restart.
 */
const ONE_COPY = { MinReadyInstances: 0 };

export class SaeBackend implements WorkerBackend {
  readonly name = 'sae';
  readonly deploymentMode = 'cloud' as const;
  readonly capabilities = { logs: false };
  private readonly api: SaeClient;
  private readonly read: SaeQueries;
  private readonly changes: SaeChanges;

  constructor(private readonly options: SaeBackendOptions) {
    const credentials = options.credentials ?? {
      accessKeyId: options.accessKeyId ?? '',
      accessKeySecret: options.accessKeySecret ?? '',
      ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    };
    this.api = new SaeClient({ ...options, credentials });
    this.read = new SaeQueries(this.api, options.namespaceId);
    this.changes = new SaeChanges(
      this.api,
      this.read,
      options.regionId,
      options.changeOrderWaitMs ?? 8_000,
      options.changeOrderRetryMs ?? 250,
    );
  }

  async create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const params = this.appParams(spec); // validates locally: nothing is created for a spec SAE would refuse
    const existing = await this.read.findByName(spec.resourceName);
    if (existing) return this.adopt(existing, spec);
    let appId: string;
    try {
      const { data } = await this.api.call<{ AppId: string }>(
        {
          action: 'CreateApplication',
          method: 'POST',
          pathname: `${APP_PATH}/createApplication`,
          query: {
            ...params,
            AppName: spec.resourceName,
            AppDescription: `orchestrator worker ${spec.name}`,
            NamespaceId: this.options.namespaceId,
            VpcId: this.options.vpcId,
            VSwitchId: this.options.vSwitchId,
            SecurityGroupId: this.options.securityGroupId,
            Replicas: 1,
            Deploy: true,
          },
          form: { AcrInstanceId: this.options.acrInstanceId },
        },
        signal,
      );
      appId = data.AppId;
    } catch (error) {
      // The name exists but the lookup did not see it (listings lag creates): wait for it, then apply the uid rule.
      if (error instanceof SaeApiError && error.parameter === 'AppName') return this.adoptWhenVisible(spec);
      throw translateSaeError(error, spec.resourceName, spec.image);
    }
    // The AppId goes back to the caller even if tagging fails (the tag service lags new apps, or throttles): an
    // app that exists must never be forgotten. An untagged app is tagged when it is next adopted; until then the
    // record's AppId still finds it (only the tagged inventory misses it).
    await this.changes.tag(appId, spec).catch(() => undefined);
    return { ref: { resourceName: spec.resourceName, id: appId } };
  }

  async start(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const appId = await this.appIdOf(ref);
    const status = appId ? await this.read.status(appId, ref.resourceName) : undefined;
    if (!appId || !status) throw new BackendError(`SAE application ${ref.resourceName} not found`);
    const settledRunning = status.CurrentStatus === 'RUNNING' && !status.LastChangeOrderRunning;
    if (settledRunning && !FAILED.has(status.LastChangeOrderStatus ?? '')) return;
    // Running after a failed change (a crash loop, an image that would not pull): a wake tries again.
    const outcome = settledRunning
      ? await this.change(ref, appId, 'RestartApplication', 'restartApplication', STARTING, {
          query: ONE_COPY,
          signal,
        })
      : await this.change(ref, appId, 'StartApplication', 'startApplication', STARTING, { signal });
    if (outcome === 'not_found') throw new BackendError(`SAE application ${ref.resourceName} not found`);
  }

  async stop(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const appId = await this.appIdOf(ref);
    const status = appId ? await this.read.status(appId, ref.resourceName) : undefined;
    if (!appId || !status) return;
    if (status.CurrentStatus === 'STOPPED' && !status.LastChangeOrderRunning) return;
    await this.change(ref, appId, 'StopApplication', 'stopApplication', new Set(['CoStop']), { signal });
  }

  /** Deploys the new spec. A stopped application stays stopped and runs the new spec at its next start. */
  async update(ref: BackendRef, spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const params = this.appParams(spec);
    const appId = await this.appIdOf(ref);
    // A deploy already in flight carries an older spec, so this one queues behind it (bounded).
    const outcome = appId
      ? await this.change(ref, appId, 'DeployApplication', 'deployApplication', new Set(), {
          query: { ...params, ...ONE_COPY },
          form: { AcrInstanceId: this.options.acrInstanceId },
          image: spec.image,
          ...(signal ? { signal } : {}),
        })
      : 'not_found';
    if (outcome === 'not_found') throw new BackendError(`SAE application ${ref.resourceName} not found`);
    return { ref: { resourceName: ref.resourceName, id: appId! } };
  }

  async delete(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const appId = await this.appIdOf(ref);
    if (appId)
      await this.change(ref, appId, 'DeleteApplication', 'deleteApplication', new Set(['CoDeleteApp']), {
        signal,
      });
  }

  async status(ref: BackendRef): Promise<BackendStatus> {
    const missing: BackendStatus = { state: 'not_found', instances: [], raw: 'NOT_FOUND' };
    const appId = await this.appIdOf(ref);
    const s = appId ? await this.read.status(appId, ref.resourceName) : undefined;
    if (!appId || !s) return missing;
    const found = { resourceName: ref.resourceName, id: appId };
    const current = s.CurrentStatus ?? 'UNKNOWN';
    const order = await this.read.runningOrder(s);
    // A deletion in flight is gone as far as the lifecycle is concerned: SAE terminates whatever still runs.
    if (order === 'CoDeleteApp') return { ...missing, raw: 'DELETING', ref: found };
    const seen = await this.read.instances(appId, ref.resourceName);
    if (!seen) return missing;
    const { alive: instances, trouble } = seen;
    if (order) return { state: 'starting', instances, raw: `${current}:${order}_RUNNING`, ref: found };
    if (s.LastChangeOrderStatus && FAILED.has(s.LastChangeOrderStatus)) {
      const raw = `${current}:${s.LastChangeOrderStatus}${trouble ? `:${trouble}` : ''}`;
      return { state: 'unknown', instances, raw, ref: found };
    }
    if (current === 'RUNNING') {
      const state = instances.length > 0 && !trouble ? 'running' : 'starting';
      return { state, instances, raw: trouble ?? current, ref: found };
    }
    return { state: current === 'STOPPED' ? 'stopped' : 'unknown', instances, raw: current, ref: found };
  }

  list(options: { cursor?: string; limit?: number } = {}): Promise<InventoryPage> {
    return listSaeInventory(this.api, {
      deploymentId: this.options.deploymentId,
      namespaceId: this.options.namespaceId,
      cursor: options.cursor,
      limit: Math.min(options.limit ?? this.options.pageSize ?? 50, 100),
    });
  }

  async health(): Promise<BackendHealth> {
    try {
      await this.read.findByName('orchestrator-health-probe');
      return { ok: true, message: `SAE ${this.options.regionId} reachable` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** Parameters shared by CreateApplication and DeployApplication; throws for a spec SAE cannot run. */
  private appParams(spec: WorkerSpec) {
    const size = saeInstanceSize(spec.resources, {
      cpuMillicores: this.options.defaultCpuMillicores ?? 1000,
      memoryMb: this.options.defaultMemoryMb ?? 2048,
    });
    return {
      PackageType: 'Image',
      ImageUrl: spec.image,
      ProgrammingLanguage: 'other',
      Envs: saeEnvs(spec.env),
      Cpu: size.Cpu,
      Memory: size.Memory,
      CustomHostAlias: saeHostAliases(spec.extraHosts),
      AcrAssumeRoleArn: this.options.acrAssumeRoleArn,
    };
  }

  private async appIdOf(ref: BackendRef): Promise<string | undefined> {
    return ref.id ?? (await this.read.findByName(ref.resourceName))?.AppId;
  }

  private async adopt(app: AppSummary, spec: WorkerSpec): Promise<CreatedResource> {
    const uid = tagMap(app.Tags)[LABELS.uid];
    if (uid !== undefined && uid !== spec.uid) {
      throw new BackendRejectedError(
        `SAE application ${spec.resourceName} belongs to another worker incarnation`,
        'name',
        'name_taken',
      );
    }
    if (app.AppDeletingStatus) {
      throw new BackendUnavailableError(`SAE application ${spec.resourceName} is being deleted; retry later`);
    }
    if (uid === undefined) await this.changes.tag(app.AppId, spec);
    const ref = { resourceName: spec.resourceName, id: app.AppId };
    await this.start(ref); // create starts the worker, also when it adopts a stopped one
    return { ref };
  }

  private async adoptWhenVisible(spec: WorkerSpec): Promise<CreatedResource> {
    const app = await this.changes.retry(() => this.read.findByName(spec.resourceName));
    if (app) return this.adopt(app, spec);
    throw new BackendUnavailableError(
      `SAE application ${spec.resourceName} exists but is not listed yet; retry later`,
    );
  }

  private change(
    ref: BackendRef,
    appId: string,
    action: ChangeRequest['action'],
    path: string,
    satisfiedBy: ReadonlySet<string>,
    extra: Pick<ChangeRequest, 'query' | 'form' | 'image'> & { signal?: AbortSignal | undefined } = {},
  ) {
    const method =
      action === 'DeleteApplication' ? 'DELETE' : action === 'DeployApplication' ? 'POST' : 'PUT';
    const { signal, ...rest } = extra;
    return this.changes.submit({
      action,
      method,
      path,
      appId,
      resourceName: ref.resourceName,
      satisfiedBy,
      ...rest,
      ...(signal ? { signal } : {}),
    });
  }
}
