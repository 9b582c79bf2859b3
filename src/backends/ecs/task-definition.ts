/**
 * WorkerSpec → an ECS Fargate task definition (family = resource name) and our service tags.
 *
 * @module
 */

import type { RegisterTaskDefinitionCommandInput, Tag } from '@aws-sdk/client-ecs';
import { BackendRejectedError } from '../../errors';
import { LABELS, type WorkerSpec } from '../port';

/** Fargate's task sizes: CPU units → the memory (MB) each allows. */
const FARGATE: ReadonlyArray<readonly [cpu: number, memory: readonly number[]]> = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The smallest Fargate size covering the request (1000 millicores = 1 vCPU = 1024 CPU units). */
export function fargateSize(
  resources: WorkerSpec['resources'],
  defaults: { cpuMillicores: number; memoryMb: number },
): { cpu: number; memory: number } {
  const units = Math.ceil(((resources?.cpuMillicores ?? defaults.cpuMillicores) * 1024) / 1000);
  const memory = resources?.memoryMb ?? defaults.memoryMb;
  for (const [cpu, memories] of FARGATE) {
    const fit = cpu >= units ? memories.find((m) => m >= memory) : undefined;
    if (fit !== undefined) return { cpu, memory: fit };
  }
  throw new BackendRejectedError(
    `Fargate has no task size with ${units} CPU units and ${memory} MB (largest: 16 vCPU, 120 GB)`,
    'resources',
  );
}

/** The three tags that make a service ours and say whose it is (user labels stay in the record). */
export const ecsTags = (spec: Pick<WorkerSpec, 'deploymentId' | 'name' | 'uid'>): Tag[] => [
  { key: LABELS.deployment, value: spec.deploymentId },
  { key: LABELS.worker, value: spec.name },
  { key: LABELS.uid, value: spec.uid },
];

export const tagsToMap = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.key).map((t) => [t.key!, t.value ?? '']));

export interface TaskDefinitionSettings {
  region: string;
  containerName: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  logGroup?: string;
  defaults: { cpuMillicores: number; memoryMb: number };
}

export function taskDefinitionFor(
  spec: WorkerSpec,
  s: TaskDefinitionSettings,
): RegisterTaskDefinitionCommandInput {
  // awsvpc (the only Fargate network mode) has no /etc/hosts entries: refuse rather than drop them silently.
  if (spec.extraHosts?.length) {
    throw new BackendRejectedError('ECS Fargate (awsvpc) does not support extra hosts', 'extra_hosts');
  }
  const size = fargateSize(spec.resources, s.defaults);
  return {
    family: spec.resourceName,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(size.cpu),
    memory: String(size.memory),
    ...(s.executionRoleArn ? { executionRoleArn: s.executionRoleArn } : {}),
    ...(s.taskRoleArn ? { taskRoleArn: s.taskRoleArn } : {}),
    containerDefinitions: [
      {
        name: s.containerName,
        image: spec.image,
        essential: true,
        // Values are secrets: they go into this request only, never into a message or a log line.
        environment: Object.entries(spec.env)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => ({ name, value })),
        ...(spec.workingDir ? { workingDirectory: spec.workingDir } : {}),
        ...(s.logGroup
          ? {
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': s.logGroup,
                  'awslogs-region': s.region,
                  'awslogs-stream-prefix': 'worker',
                },
              },
            }
          : {}),
      },
    ],
    tags: ecsTags(spec),
  };
}
