/**
 * AWS ECS backend: one Fargate service per worker (serviceName = task family = the derived resource name).
 * Awake = desiredCount 1, asleep = 0; update = a new task-definition revision rolled out with
 * `forceNewDeployment`; delete = DeleteService with force. Rollouts, scale-ups and drains are ECS's to finish:
 * every call here starts them and returns, and `status` reports them as they go.
 *
 * Idempotency: CreateService carries a clientToken derived from (resource name, uid), so the SDK's retry of a
 * CreateService whose response was lost returns the same service. A create re-driven later (with a new task
 * definition revision) is refused by ECS as not idempotent; the adapter then finds the service, waiting out
 * DescribeServices' lag, and applies the uid rule: an existing service is adopted only when ACTIVE with our uid
 * tag, and a DRAINING one with the name is still being deleted, so create asks to be retried later.
 *
 * @example
 * const ecs = new EcsBackend({ region: 'us-east-1', cluster: 'agents', deploymentId,
 *   subnets: ['subnet-0abc'], securityGroups: ['sg-0abc'], executionRoleArn, taskRoleArn });
 *
 * @module
 */

import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  type ECSClientConfig,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
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
import { errorName, isServiceGone, translateEcsError } from './errors';
import { listEcsInventory } from './inventory';
import { DEFAULT_PACING, type RegistrationPacing, TaskDefinitionRegistrar } from './registration';
import { assertImageExists } from './registry-check';
import { createServiceInput } from './service-input';
import { serviceTasks, statusOf } from './status';
import { tagsToMap, taskDefinitionFor } from './task-definition';

export interface EcsBackendOptions {
  region: string;
  cluster: string;
  /** Tags every service; `list()` returns only services carrying it. */
  deploymentId: string;
  /** awsvpc subnets for the tasks (required by Fargate). */
  subnets: string[];
  securityGroups?: string[];
  /** Give tasks a public IP (needed to pull from public registries without a NAT gateway). Default false. */
  assignPublicIp?: boolean;
  /** Role ECS uses to pull the image and write logs. */
  executionRoleArn?: string;
  /** Role the worker's own code runs with. */
  taskRoleArn?: string;
  /** CloudWatch Logs group for the `awslogs` driver; unset = no log configuration. */
  logGroup?: string;
  /** Default: the SDK's chain (env, web identity, container/instance role). */
  credentials?: ECSClientConfig['credentials'];
  /** Override for a local fake or a VPC endpoint. */
  endpoint?: string;
  /** SDK attempts per call, throttling retries included (default 3). */
  maxAttempts?: number;
  /** Size when the spec sets none (default 500 millicores / 1024 MB → Fargate 512 CPU units / 1 GB). */
  defaultCpuMillicores?: number;
  defaultMemoryMb?: number;
  /** Container name inside the task definition (default `worker`). */
  containerName?: string;
  /** Registries (host[:port] as written in image names) asked whether an image exists before create. Default none. */
  verifyImageRegistries?: string[];
  /** Bound on that check (default 3000 ms); no answer lets the create proceed. */
  imageCheckTimeoutMs?: number;
  /** How long create waits for a service that exists but is not yet described (default 5000 ms). */
  visibilityWaitMs?: number;
  /** RegisterTaskDefinition's local token bucket and throttling retries (see `registration.ts`). */
  registrationPacing?: Partial<RegistrationPacing>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EcsBackend implements WorkerBackend {
  readonly name = 'ecs';
  readonly deploymentMode = 'cloud' as const;
  readonly capabilities = { logs: false };
  private readonly client: ECSClient;
  private readonly registrar: TaskDefinitionRegistrar;

  constructor(private readonly options: EcsBackendOptions) {
    this.client = new ECSClient({
      region: options.region,
      maxAttempts: options.maxAttempts ?? 3,
      // Every call bounded: a hung ECS call would otherwise hold the sweeper's backend gate for up to 15 minutes.
      requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000, throwOnRequestTimeout: true },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.registrar = new TaskDefinitionRegistrar(this.client, {
      ...DEFAULT_PACING,
      ...options.registrationPacing,
    });
  }

  async create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const definition = this.taskDefinition(spec); // validates locally first
    const existing = await this.describe(spec.resourceName);
    // An INACTIVE service is a deleted one whose name is free again.
    if (existing && existing.status !== 'INACTIVE') return this.adopt(existing, spec);
    await this.verifyImage(spec.image);
    const taskDefinition = await this.register(definition, spec);
    try {
      const { service } = await this.client.send(
        new CreateServiceCommand(createServiceInput(spec, this.options, taskDefinition)),
        { abortSignal: signal },
      );
      return { ref: { resourceName: spec.resourceName, id: service?.serviceArn ?? spec.resourceName } };
    } catch (error) {
      // The name is in use but was not described a moment ago: find it and apply the uid rule.
      if (errorName(error) === 'InvalidParameterException') {
        const service = await this.describeWhenVisible(spec.resourceName);
        if (service) return this.adopt(service, spec);
      }
      throw translateEcsError(error, 'CreateService', spec.resourceName, spec.env);
    }
  }

  async start(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const service = await this.describe(ref.resourceName);
    if (service?.status !== 'ACTIVE') throw new BackendError(`ECS service ${ref.resourceName} not found`);
    const failed = service.deployments?.some((d) => d.status === 'PRIMARY' && d.rolloutState === 'FAILED');
    if (service.desiredCount === 1 && !failed) return;
    try {
      // After a failed rollout ECS launches nothing more: a wake starts a fresh deployment.
      await this.client.send(
        new UpdateServiceCommand({
          cluster: this.options.cluster,
          service: ref.resourceName,
          desiredCount: 1,
          ...(failed ? { forceNewDeployment: true } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (isServiceGone(error)) throw new BackendError(`ECS service ${ref.resourceName} not found`);
      throw translateEcsError(error, 'UpdateService', ref.resourceName);
    }
  }

  async stop(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new UpdateServiceCommand({
          cluster: this.options.cluster,
          service: ref.resourceName,
          desiredCount: 0,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (!isServiceGone(error)) throw translateEcsError(error, 'UpdateService', ref.resourceName);
    }
  }

  /**
   * New revision + forced deployment. desiredCount is untouched: a sleeping worker runs it at its next wake.
   * Once ECS took the update, the family's older revisions are deregistered (the rollout keeps its old tasks).
   */
  async update(ref: BackendRef, spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const definition = this.taskDefinition(spec);
    await this.verifyImage(spec.image);
    const taskDefinition = await this.register(definition, spec);
    try {
      const { service } = await this.client.send(
        new UpdateServiceCommand({
          cluster: this.options.cluster,
          service: ref.resourceName,
          taskDefinition,
          forceNewDeployment: true,
        }),
        { abortSignal: signal },
      );
      await this.registrar.retireOthers(spec.resourceName, taskDefinition);
      return {
        ref: { resourceName: ref.resourceName, id: service?.serviceArn ?? ref.id ?? ref.resourceName },
      };
    } catch (error) {
      if (isServiceGone(error)) throw new BackendError(`ECS service ${ref.resourceName} not found`);
      throw translateEcsError(error, 'UpdateService', ref.resourceName);
    }
  }

  async delete(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        new DeleteServiceCommand({ cluster: this.options.cluster, service: ref.resourceName, force: true }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (!isServiceGone(error)) throw translateEcsError(error, 'DeleteService', ref.resourceName);
    }
  }

  async status(ref: BackendRef): Promise<BackendStatus> {
    try {
      const service = await this.describe(ref.resourceName);
      // DRAINING: deletion in progress, gone as far as the lifecycle is concerned (ECS stops the tasks).
      if (service?.status !== 'ACTIVE') {
        return { state: 'not_found', instances: [], raw: service?.status ?? 'MISSING' };
      }
      const tasks = await serviceTasks(this.client, this.options.cluster, ref.resourceName);
      return {
        ...statusOf(service, tasks),
        ref: { resourceName: ref.resourceName, id: service.serviceArn ?? ref.resourceName },
      };
    } catch (error) {
      if (isServiceGone(error)) return { state: 'not_found', instances: [], raw: 'MISSING' };
      throw translateEcsError(error, 'DescribeServices', ref.resourceName);
    }
  }

  list(options: { cursor?: string; limit?: number } = {}): Promise<InventoryPage> {
    return listEcsInventory(this.client, {
      cluster: this.options.cluster,
      deploymentId: this.options.deploymentId,
      cursor: options.cursor,
      limit: Math.min(Math.max(options.limit ?? 100, 1), 100),
    });
  }

  async health(): Promise<BackendHealth> {
    try {
      await this.list({ limit: 1 });
      return { ok: true, message: `ECS cluster ${this.options.cluster} in ${this.options.region} reachable` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private taskDefinition(spec: WorkerSpec) {
    return taskDefinitionFor(spec, {
      region: this.options.region,
      containerName: this.options.containerName ?? 'worker',
      executionRoleArn: this.options.executionRoleArn,
      taskRoleArn: this.options.taskRoleArn,
      logGroup: this.options.logGroup,
      defaults: {
        cpuMillicores: this.options.defaultCpuMillicores ?? 500,
        memoryMb: this.options.defaultMemoryMb ?? 1024,
      },
    });
  }

  private async register(
    definition: ReturnType<EcsBackend['taskDefinition']>,
    spec: WorkerSpec,
  ): Promise<string> {
    try {
      return (await this.registrar.register(definition)) ?? spec.resourceName;
    } catch (error) {
      throw translateEcsError(error, 'RegisterTaskDefinition', spec.resourceName, spec.env);
    }
  }

  private verifyImage(image: string): Promise<void> {
    return assertImageExists(image, {
      registries: this.options.verifyImageRegistries ?? [],
      timeoutMs: this.options.imageCheckTimeoutMs ?? 3_000,
    });
  }

  /** The service by name, whatever its status; undefined when ECS reports it MISSING. */
  private async describe(name: string): Promise<Service | undefined> {
    const { services } = await this.client
      .send(
        new DescribeServicesCommand({ cluster: this.options.cluster, services: [name], include: ['TAGS'] }),
      )
      .catch((error: unknown) => {
        throw translateEcsError(error, 'DescribeServices', name);
      });
    return services?.find((s) => s.serviceName === name);
  }

  private async describeWhenVisible(name: string): Promise<Service | undefined> {
    const deadline = Date.now() + (this.options.visibilityWaitMs ?? 5_000);
    for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
      const service = await this.describe(name);
      if (service && service.status !== 'INACTIVE') return service;
      if (Date.now() + delay > deadline) return undefined;
      await sleep(delay);
    }
  }

  private async adopt(service: Service, spec: WorkerSpec): Promise<CreatedResource> {
    if (service.status === 'DRAINING') {
      throw new BackendUnavailableError(
        `ECS service ${spec.resourceName} is still draining after a delete; retry later`,
        {
          retryAfterSeconds: 30,
        },
      );
    }
    if (service.status !== 'ACTIVE') {
      throw new BackendUnavailableError(`ECS service ${spec.resourceName} is ${service.status}; retry later`);
    }
    const uid = tagsToMap(service.tags)[LABELS.uid];
    if (uid !== spec.uid) {
      throw new BackendRejectedError(
        `ECS service ${spec.resourceName} belongs to another worker incarnation`,
        'name',
        'name_taken',
      );
    }
    const ref = { resourceName: spec.resourceName, id: service.serviceArn ?? spec.resourceName };
    if ((service.desiredCount ?? 0) === 0) await this.start(ref); // create starts the worker
    return { ref };
  }
}
