/**
 * ECS service + tasks → the port's status. The service says what ECS is trying to do (desiredCount, the primary
 * deployment's rollout); the tasks say what actually runs, including a task told to stop that has not stopped
 * yet — it may still be heartbeating, so it is an instance until ECS reports it STOPPED.
 *
 * @module
 */

import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import type { BackendInstance, BackendState, BackendStatus } from '../port';

/** Task states whose container may be running. */
const ALIVE = new Set(['RUNNING', 'DEACTIVATING', 'STOPPING']);

/** Tasks of one service: the ones ECS wants running, and the ones told to stop (still visible for a while). */
export async function serviceTasks(client: ECSClient, cluster: string, serviceName: string): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    // One page each: a worker service runs one task, and stopped tasks are only kept for about an hour.
    const page = await client.send(
      new ListTasksCommand({ cluster, serviceName, desiredStatus, maxResults: 100 }),
    );
    arns.push(...(page.taskArns ?? []));
  }
  if (arns.length === 0) return [];
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const page = await client.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
    tasks.push(...(page.tasks ?? []));
  }
  return tasks;
}

export function instancesOf(tasks: Task[]): BackendInstance[] {
  return tasks
    .filter((t) => ALIVE.has(t.lastStatus ?? '') && t.startedAt)
    .map((t) => ({ id: t.taskArn?.split('/').pop() ?? t.taskArn ?? '', startedAt: t.startedAt!.getTime() }))
    .sort((a, b) => a.startedAt - b.startedAt);
}

/** The most recent reason a task of this service failed (e.g. `CannotPullContainerError: ...`). */
const lastFailure = (tasks: Task[]): string | undefined =>
  tasks
    .filter((t) => t.lastStatus === 'STOPPED' && t.stopCode === 'TaskFailedToStart' && t.stoppedReason)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0]?.stoppedReason;

export function statusOf(service: Service, tasks: Task[]): Omit<BackendStatus, 'ref'> {
  const instances = instancesOf(tasks);
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const failure = lastFailure(tasks);
  const result = (state: BackendState, raw: string) => ({ state, instances, raw });
  if ((service.desiredCount ?? 0) === 0) {
    // Asleep only once nothing runs; a stop still draining its task is a transition (the port has no stopping).
    return instances.length === 0 ? result('stopped', 'STOPPED') : result('starting', 'STOPPING');
  }
  if (primary?.rolloutState === 'FAILED') {
    const why = [primary.rolloutStateReason, failure].filter(Boolean).join('; ');
    return result('unknown', `FAILED: ${why || 'deployment failed'}`);
  }
  if (primary?.rolloutState === 'IN_PROGRESS')
    return result('starting', failure ? `IN_PROGRESS: ${failure}` : 'IN_PROGRESS');
  const running = tasks.filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING').length;
  return running > 0
    ? result('running', 'RUNNING')
    : result('starting', failure ? `PENDING: ${failure}` : 'PENDING');
}
