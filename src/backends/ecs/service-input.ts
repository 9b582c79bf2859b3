/**
 * The CreateService request for one worker: a Fargate service of one task, tagged, with a clientToken that makes
 * a retried create the same request to ECS.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs';
import type { WorkerSpec } from '../port';
import { ecsTags } from './task-definition';

export interface ServiceSettings {
  cluster: string;
  subnets: string[];
  securityGroups?: string[];
  assignPublicIp?: boolean;
}

export const networkFor = (s: ServiceSettings) => ({
  awsvpcConfiguration: {
    subnets: s.subnets,
    ...(s.securityGroups?.length ? { securityGroups: s.securityGroups } : {}),
    assignPublicIp: s.assignPublicIp ? ('ENABLED' as const) : ('DISABLED' as const),
  },
});

/** Stable per (resource, uid), so an SDK retry after a lost response returns the same service (≤ 36 chars). */
export const clientTokenFor = (spec: Pick<WorkerSpec, 'resourceName' | 'uid'>) =>
  createHash('sha256').update(`${spec.resourceName}\0${spec.uid}`).digest('hex').slice(0, 32);

export function createServiceInput(
  spec: WorkerSpec,
  s: ServiceSettings,
  taskDefinition: string,
): CreateServiceCommandInput {
  return {
    cluster: s.cluster,
    serviceName: spec.resourceName,
    taskDefinition,
    desiredCount: 1,
    launchType: 'FARGATE',
    networkConfiguration: networkFor(s),
    // One worker = one task: stop the old task before starting the new one (two instances of one worker must not
    // act at once), and give up on a rollout whose tasks cannot start (FAILED, reported) instead of looping.
    deploymentConfiguration: {
      minimumHealthyPercent: 0,
      maximumPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: false },
    },
    tags: ecsTags(spec),
    propagateTags: 'SERVICE',
    enableECSManagedTags: true,
    clientToken: clientTokenFor(spec),
  };
}
