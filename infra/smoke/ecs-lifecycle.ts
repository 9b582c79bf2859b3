/**
 * `ecs-lifecycle`: one Fargate service taken through create → update → scale to 0 → scale to 1 → delete by the
 * product's own adapter (`EcsBackend`), reading its status until each change settles.
 *
 * What it checks that the ECS fake only assumes:
 * - an update registers a new revision, rolls it out, and leaves only that revision ACTIVE in the family (the
 *   adapter deregisters the older ones; run the smoke with the lifecycle role's credentials to check that its
 *   `aws:ResourceTag/orchestrator.deployment` condition lets it), never running two tasks at once
 *   (`minimumHealthyPercent: 0`; reads are `SMOKE_POLL_MS` apart, so a shorter overlap can be missed);
 * - desiredCount 0 stops the task and 1 starts one;
 * - DeleteService (forced) leaves the service DRAINING or INACTIVE, and ListServices no longer lists it.
 *
 * The task-definition family is removed at the end too: every revision deregistered, then deleted.
 *
 * @module
 */
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { EcsBackend } from '../../src/backends/ecs';
import { readEcsSettings } from '../../src/config/cloud';
import { describeStatus, runningOne, stoppedNone, waitFor } from './backend-status';
import { pollUntil } from './poll';
import { awsCredentials, productSettings, smokeSetting } from './settings';
import type { SmokeStepRunner } from './step';
import { nextRevision, smokeWorker } from './worker-spec';

/** ARNs of a family's revisions in one status (familyPrefix is a prefix: other families are filtered out). */
async function revisions(
  client: ECSClient,
  family: string,
  status: 'ACTIVE' | 'INACTIVE',
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status, nextToken }),
    );
    arns.push(
      ...(page.taskDefinitionArns ?? []).filter(
        (arn) => arn.split('task-definition/')[1]?.split(':')[0] === family,
      ),
    );
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

async function removeFamily(client: ECSClient, family: string): Promise<void> {
  for (const arn of await revisions(client, family, 'ACTIVE')) {
    await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  }
  const inactive = await revisions(client, family, 'INACTIVE');
  for (let i = 0; i < inactive.length; i += 10) {
    const { failures } = await client.send(
      new DeleteTaskDefinitionsCommand({ taskDefinitions: inactive.slice(i, i + 10) }),
    );
    if (failures?.length)
      throw new Error(`DeleteTaskDefinitions: ${failures.map((f) => f.reason).join('; ')}`);
  }
}

async function listed(client: ECSClient, cluster: string, name: string): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListServicesCommand({ cluster, nextToken }));
    if ((page.serviceArns ?? []).some((arn) => arn.endsWith(`/${name}`))) return true;
    nextToken = page.nextToken;
  } while (nextToken);
  return false;
}

const revisionOf = (arn: string | undefined) => (arn ? `:${arn.split(':').pop()}` : 'none');

export const ecsLifecycle: SmokeStepRunner = {
  id: 'ecs-lifecycle',
  async run(ctx) {
    const ecs = productSettings(() => readEcsSettings(ctx.env));
    const image = smokeSetting(ctx.env, 'SMOKE_ECS_IMAGE', 'an image Fargate can pull');
    const credentials = awsCredentials(ctx.env);
    const backend = new EcsBackend({
      ...ecs,
      deploymentId: ctx.run,
      ...(credentials ? { credentials } : {}),
    });
    const client = new ECSClient({
      region: ecs.region,
      ...(ecs.endpoint ? { endpoint: ecs.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
    const spec = smokeWorker(ctx.run, image);
    const family = spec.resourceName;

    // Registered first, so it runs last: revisions can only be cleared once the service no longer uses them.
    ctx.cleanup(`ECS task definition family ${family}`, () => removeFamily(client, family));
    ctx.log(`ecs-lifecycle: creating ${family} in ${ecs.cluster}`);
    const { ref } = await backend.create(spec);
    ctx.cleanup(`ECS service ${family}`, () => backend.delete(ref));
    const created = await waitFor(backend, ref, ctx.polling, runningOne);
    ctx.check('create', 'ACTIVE with 1 task running', describeStatus(created), created.met);

    const before = new Set(created.value.instances.map((i) => i.id));
    ctx.log('ecs-lifecycle: updating to a new revision');
    await backend.update(ref, nextRevision(spec));
    let most = 0;
    const rolled = await waitFor(
      backend,
      ref,
      ctx.polling,
      (s) => runningOne(s) && s.instances.every((i) => !before.has(i.id)),
      (s) => {
        most = Math.max(most, s.instances.length);
      },
    );
    const active = await revisions(client, family, 'ACTIVE');
    const { services } = await client.send(
      new DescribeServicesCommand({ cluster: ecs.cluster, services: [family] }),
    );
    const serving = services?.[0]?.taskDefinition;
    ctx.check(
      'update',
      'new revision serving, the only ACTIVE one in its family; never more than 1 task alive at once',
      `${describeStatus(rolled)}; serving ${revisionOf(serving)}; ACTIVE: ${active.map(revisionOf).join(', ') || 'none'}; ` +
        `at most ${most} alive at once`,
      rolled.met && active.length === 1 && active[0] === serving && most <= 1,
    );

    await backend.stop(ref);
    const stopped = await waitFor(backend, ref, ctx.polling, stoppedNone);
    ctx.check('scale to 0', 'desiredCount 0, no task running', describeStatus(stopped), stopped.met);

    await backend.start(ref);
    const started = await waitFor(backend, ref, ctx.polling, runningOne);
    ctx.check('scale to 1', 'desiredCount 1, 1 task running', describeStatus(started), started.met);

    await backend.delete(ref);
    const gone = await pollUntil(
      async () => {
        const { services: found } = await client.send(
          new DescribeServicesCommand({ cluster: ecs.cluster, services: [family] }),
        );
        return { status: found?.[0]?.status ?? 'MISSING', listed: await listed(client, ecs.cluster, family) };
      },
      (s) => s.status !== 'ACTIVE' && !s.listed,
      ctx.polling,
    );
    ctx.check(
      'delete',
      'DRAINING or INACTIVE (or already purged), and no longer in ListServices',
      `${gone.value.status}, ${gone.value.listed ? 'still listed' : 'not listed'}`,
      gone.met && ['DRAINING', 'INACTIVE', 'MISSING'].includes(gone.value.status),
    );
  },
};
