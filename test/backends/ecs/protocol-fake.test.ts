/**
 * The ECS adapter, through the real `@aws-sdk/client-ecs`, against a protocol-level fake of ECS
 * (`test/support/fakes/ecs.ts`: AWS JSON 1.1, SigV4, async rollouts, eventual consistency, a registry).
 */

import { ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EcsBackend, type EcsBackendOptions } from '../../../src/backends/ecs/adapter';
import { TaskDefinitionRegistrar } from '../../../src/backends/ecs/registration';
import { parseImage } from '../../../src/backends/ecs/registry-check';
import { fargateSize } from '../../../src/backends/ecs/task-definition';
import type { WorkerSpec } from '../../../src/backends/port';
import { BackendRejectedError, BackendUnavailableError } from '../../../src/errors';
import { runBackendConformance } from '../../conformance/backend.case';
import {
  eventually,
  failureOf,
  newDeployment,
  TEST_WORKER_KEY as WORKER_KEY,
  workerSpecFor,
} from '../../support/backend-specs';
import { type FakeEcsOptions, FakeEcsServer } from '../../support/fakes/ecs';

let shared: Promise<FakeEcsServer> | undefined;
/** One fake AWS account for the whole suite; every setup() is another deployment in it. */
const account = () => {
  shared ??= FakeEcsServer.start({ taskStartMs: 100, taskStopMs: 60, visibilityDelayMs: 80 }).then((fake) => {
    fake.pushImage(fake.image('agents/worker:1'));
    return fake;
  });
  return shared;
};

const backendFor = (fake: FakeEcsServer, deploymentId: string, options: Partial<EcsBackendOptions> = {}) =>
  new EcsBackend({
    region: 'us-east-1',
    cluster: 'agents',
    deploymentId,
    subnets: ['subnet-0fake'],
    securityGroups: ['sg-0fake'],
    endpoint: fake.endpoint,
    credentials: fake.credentials,
    verifyImageRegistries: [fake.host],
    visibilityWaitMs: 2_000,
    ...options,
  });

afterAll(async () => {
  await (await shared)?.close();
});

runBackendConformance('ECS adapter against a protocol-level ECS fake', async () => {
  const fake = await account();
  const deploymentId = newDeployment();
  return {
    backend: backendFor(fake, deploymentId),
    image: fake.image('agents/worker:1'),
    missingImage: fake.image('agents/missing:1'),
    deploymentId,
  };
});

const specFor = (
  fake: FakeEcsServer,
  deploymentId: string,
  overrides: Partial<WorkerSpec> = {},
): WorkerSpec => workerSpecFor(deploymentId, fake.image('agents/worker:1'), overrides);

describe('ECS adapter specifics, against a protocol-level ECS fake', () => {
  const fakes: FakeEcsServer[] = [];
  const startFake = async (options: FakeEcsOptions = {}) => {
    const fake = await FakeEcsServer.start({
      taskStartMs: 80,
      taskStopMs: 50,
      visibilityDelayMs: 60,
      ...options,
    });
    fake.pushImage(fake.image('agents/worker:1'));
    fake.pushImage(fake.image('agents/worker:2'));
    fakes.push(fake);
    return fake;
  };
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.close();
  });

  it('registers a Fargate task definition and creates a tagged service with a clientToken (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, {
      executionRoleArn: 'arn:aws:iam::1:role/exec',
      logGroup: '/agents',
    });
    const spec = specFor(fake, deploymentId, { resources: { cpuMillicores: 1000, memoryMb: 3000 } });
    const { ref } = await backend.create(spec);
    const [register] = fake.requestsFor('RegisterTaskDefinition');
    expect(register!.body).toMatchObject({
      family: spec.resourceName,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '1024',
      memory: '3072',
      executionRoleArn: 'arn:aws:iam::1:role/exec',
    });
    const [container] = register!.body.containerDefinitions as {
      image: string;
      environment: unknown[];
      logConfiguration: unknown;
    }[];
    expect(container!.image).toBe(spec.image);
    expect(container!.environment).toContainEqual({ name: 'GREETING', value: 'one' });
    expect(container!.logConfiguration).toMatchObject({ logDriver: 'awslogs' });
    const [create] = fake.requestsFor('CreateService');
    expect(create!.body).toMatchObject({
      serviceName: spec.resourceName,
      desiredCount: 1,
      launchType: 'FARGATE',
      propagateTags: 'SERVICE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0fake'],
          securityGroups: ['sg-0fake'],
          assignPublicIp: 'DISABLED',
        },
      },
      tags: [
        { key: 'orchestrator.deployment', value: deploymentId },
        { key: 'orchestrator.worker', value: spec.name },
        { key: 'orchestrator.uid', value: spec.uid },
      ],
    });
    expect(create!.body.clientToken).toMatch(/^[0-9a-f]{32}$/);
    expect(ref.id).toBe(fake.service(spec.resourceName)!.arn);
  });

  it('a CreateService whose response was lost is retried by the SDK and returns the same service through its clientToken (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const spec = specFor(fake, deploymentId);
    fake.dropResponses(1, 'CreateService');
    const { ref } = await backendFor(fake, deploymentId).create(spec);
    const attempts = fake.requestsFor('CreateService');
    expect(attempts.map((r) => r.status)).toEqual([0, 200]);
    expect(attempts[1]!.body.clientToken).toBe(attempts[0]!.body.clientToken);
    expect(ref.id).toBe(fake.service(spec.resourceName)!.arn);
    expect([...fake.services.values()].filter((s) => s.name === spec.resourceName)).toHaveLength(1);
  });

  it('a second create while the service is not yet described adopts it instead of making another (protocol-level fake)', async () => {
    const fake = await startFake({ visibilityDelayMs: 300 });
    const deploymentId = newDeployment();
    const spec = specFor(fake, deploymentId);
    const first = await backendFor(fake, deploymentId).create(spec);
    const second = await backendFor(fake, deploymentId).create(spec);
    expect(second.ref.id).toBe(first.ref.id);
    expect([...fake.services.values()].filter((s) => s.name === spec.resourceName)).toHaveLength(1);
  });

  it('refuses a name held by another uid even before the holder is described, and adopts only ACTIVE services with our uid (protocol-level fake)', async () => {
    const fake = await startFake({ visibilityDelayMs: 300 });
    const deploymentId = newDeployment();
    const spec = specFor(fake, deploymentId);
    const backend = backendFor(fake, deploymentId);
    await backend.create(spec);
    const intruder = await failureOf(backend.create({ ...spec, uid: crypto.randomUUID() }));
    expect(intruder).toBeInstanceOf(BackendRejectedError);
    expect((intruder as BackendRejectedError).code).toBe('name_taken');
  });

  it('asks to be retried later when the name belongs to a service still DRAINING after a delete (protocol-level fake)', async () => {
    const fake = await startFake({ taskStopMs: 400 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(fake, deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    await backend.delete(ref);
    expect(fake.service(spec.resourceName)!.status).toBe('DRAINING');
    const error = await failureOf(backend.create(spec));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('draining');
    await eventually(
      async () => fake.service(spec.resourceName)!.status,
      (s) => s === 'INACTIVE',
    );
    await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
  });

  it('reports a rollout whose tasks cannot pull their image as unknown with the circuit-breaker reason (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    // No registry check: ECS itself accepts the name and fails at pull time.
    const backend = backendFor(fake, deploymentId, { verifyImageRegistries: [] });
    const spec = specFor(fake, deploymentId, { image: fake.image('agents/typo:1') });
    const { ref } = await backend.create(spec);
    const status = await eventually(
      () => backend.status(ref),
      (s) => s.state === 'unknown',
    );
    expect(status.raw).toContain('circuit breaker');
    expect(status.raw).toContain('CannotPullContainerError');
    expect(status.instances).toEqual([]);
  });

  it('a wake after a failed rollout starts a fresh deployment (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, { verifyImageRegistries: [] });
    const spec = specFor(fake, deploymentId, { image: fake.image('agents/late:1') });
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'unknown',
    );
    fake.pushImage(spec.image); // the image has been pushed since
    await backend.start(ref);
    expect(fake.requestsFor('UpdateService').at(-1)!.body).toMatchObject({
      desiredCount: 1,
      forceNewDeployment: true,
    });
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
  });

  it('a missing image is refused before anything is registered; unlisted registries are not asked (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const error = await failureOf(
      backend.create(specFor(fake, deploymentId, { image: fake.image('agents/missing:1') })),
    );
    expect((error as BackendRejectedError).field).toBe('image');
    expect(fake.requestsFor('RegisterTaskDefinition')).toHaveLength(0);
    // public.ecr.aws is not in verifyImageRegistries: the create proceeds (and would fail at pull time).
    await backend.create(specFor(fake, deploymentId, { image: 'public.ecr.aws/agents/worker:1' }));
    expect(fake.requestsFor('CreateService')).toHaveLength(1);
  });

  it('a stuck rollout stays starting until its task runs (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    fake.stickDeployments(true);
    const { ref } = await backend.create(specFor(fake, deploymentId));
    const stuck = await eventually(
      () => backend.status(ref),
      (s) => s.state !== 'not_found',
    );
    expect(stuck).toMatchObject({ state: 'starting', raw: 'IN_PROGRESS', instances: [] });
    fake.stickDeployments(false);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
  });

  it('update registers a new revision and forces a deployment; the old task is listed until it has stopped (protocol-level fake)', async () => {
    const fake = await startFake({ oldInstanceLingerMs: 400 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(fake, deploymentId);
    const { ref } = await backend.create(spec);
    const first = (
      await eventually(
        () => backend.status(ref),
        (s) => s.state === 'running',
      )
    ).instances[0]!;
    await backend.update(ref, {
      ...spec,
      image: fake.image('agents/worker:2'),
      env: { ...spec.env, GREETING: 'two' },
    });
    const update = fake.requestsFor('UpdateService').at(-1)!;
    expect(update.body).toMatchObject({
      forceNewDeployment: true,
      taskDefinition: expect.stringMatching(/:2$/),
    });
    const overlap = await eventually(
      () => backend.status(ref),
      (s) => s.instances.length === 2,
    );
    expect(overlap.state).toBe('starting');
    expect(overlap.instances.map((i) => i.id)).toContain(first.id);
    const after = await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
    expect(after.instances[0]!.id).not.toBe(first.id);
    const task = fake.service(spec.resourceName)!.tasks.find((t) => t.lastStatus === 'RUNNING')!;
    expect(task.taskDefinition.env.GREETING).toBe('two');
    expect(task.taskDefinition.image).toBe(fake.image('agents/worker:2'));
  });

  it('sleep is a transition until the task has drained, then stopped with no instance (protocol-level fake)', async () => {
    const fake = await startFake({ taskStopMs: 300 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const { ref } = await backend.create(specFor(fake, deploymentId));
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    await backend.stop(ref);
    const draining = await backend.status(ref);
    expect(draining).toMatchObject({ state: 'starting', raw: 'STOPPING' });
    expect(draining.instances).toHaveLength(1);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'stopped' && s.instances.length === 0,
    );
  });

  it('throttling is retried within maxAttempts, then reported as BackendUnavailableError (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, { maxAttempts: 2 });
    const { ref } = await backend.create(specFor(fake, deploymentId));
    fake.throttle(1, 'DescribeServices');
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    const before = fake.requestsFor('DescribeServices').length;
    fake.throttle(5, 'DescribeServices');
    const error = await failureOf(backend.status(ref));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(fake.requestsFor('DescribeServices').length - before).toBe(2);
  });

  it('deregisters the older revisions of a family once an update succeeded; the running service keeps its tasks (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(fake, deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    await backend.update(ref, { ...spec, image: fake.image('agents/worker:2') });
    await backend.update(ref, { ...spec, env: { ...spec.env, GREETING: 'three' } });
    const family = spec.resourceName;
    expect(fake.activeRevisions(family)).toEqual([
      `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:3`,
    ]);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
    // Sleep and wake still work on the service (scaling never needs a new revision).
    await backend.stop(ref);
    await backend.start(ref);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
  });

  it('an update resumed after a newer one retires only older revisions, never the one the service now runs (protocol-level fake)', async () => {
    // Review finding: retiring "every revision but mine" from a round frozen after its UpdateService and resumed
    // after a later update marked the service's current revision INACTIVE.
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(fake, deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    await backend.update(ref, { ...spec, image: fake.image('agents/worker:2') });
    await backend.update(ref, { ...spec, env: { ...spec.env, GREETING: 'three' } });
    const family = spec.resourceName;
    const revision = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${n}`;
    const stale = new TaskDefinitionRegistrar(
      new ECSClient({
        region: 'us-east-1',
        endpoint: fake.endpoint,
        credentials: fake.credentials,
        maxAttempts: 1,
      }),
    );
    await stale.retireOthers(family, revision(2));
    expect(fake.activeRevisions(family)).toEqual([revision(3)]);
  });

  it('registrations beyond what ECS admits (about 1/s sustained) are retried with backoff until they pass (protocol-level fake)', async () => {
    // ECS's bucket here: 1 token, 2 per second; the SDK's own retries (within a fraction of a second) cannot wait
    // that out for four registrations at once.
    const fake = await startFake({ registerBurst: 1, registerPerSecond: 2 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, {
      registrationPacing: { burst: 10, perSecond: 100, retryForMs: 10_000 },
    });
    const specs = [1, 2, 3, 4].map(() => specFor(fake, deploymentId));
    const created = await Promise.all(specs.map((spec) => backend.create(spec)));
    expect(created).toHaveLength(4);
    const registrations = fake.requestsFor('RegisterTaskDefinition');
    expect(registrations.filter((r) => r.type === 'ThrottlingException').length).toBeGreaterThan(0);
    expect(registrations.filter((r) => r.status === 200)).toHaveLength(4);
  });

  it('paces its own registrations so a burst from one instance does not drain the account (protocol-level fake)', async () => {
    const fake = await startFake({ registerBurst: 1, registerPerSecond: 4 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, {
      // Slower than the fake refills, so the scheduler's jitter on a loaded machine cannot make this flaky; without
      // pacing, the second of three back-to-back registrations would be throttled.
      registrationPacing: { burst: 1, perSecond: 2, retryForMs: 0 },
    });
    for (let i = 0; i < 3; i++) await backend.create(specFor(fake, deploymentId));
    const registrations = fake.requestsFor('RegisterTaskDefinition');
    expect(registrations.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('never puts the secret key, the session token or env values into an error (protocol-level fake)', async () => {
    const fake = await startFake({ sessionToken: 'session-token-that-must-not-leak' });
    const deploymentId = newDeployment();
    const spec = specFor(fake, deploymentId);
    const errors = [
      await failureOf(
        backendFor(fake, deploymentId, {
          credentials: { ...fake.credentials, secretAccessKey: 'a-wrong-secret-that-must-not-leak' },
        }).create(spec),
      ),
      await failureOf(
        backendFor(fake, deploymentId, {
          credentials: { ...fake.credentials, sessionToken: 'a-wrong-token-that-must-not-leak' },
        }).create(spec),
      ),
      // A spec refused before any call: the message names the size, never the env it carries.
      await failureOf(
        backendFor(fake, deploymentId).create({ ...spec, resources: { cpuMillicores: 999_999 } }),
      ),
    ];
    expect(errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect(errors[1]).toBeInstanceOf(BackendUnavailableError);
    expect(errors[2]).toBeInstanceOf(BackendRejectedError);
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify((error as Error).cause)}`;
      for (const secret of ['must-not-leak', fake.credentials.secretAccessKey, WORKER_KEY])
        expect(text).not.toContain(secret);
    }
  });
});

describe('ECS helpers', () => {
  it('sizes a task to the smallest Fargate combination covering the request', () => {
    const defaults = { cpuMillicores: 500, memoryMb: 1024 };
    expect(fargateSize(undefined, defaults)).toEqual({ cpu: 512, memory: 1024 });
    expect(fargateSize({ cpuMillicores: 250, memoryMb: 512 }, defaults)).toEqual({ cpu: 256, memory: 512 });
    expect(fargateSize({ cpuMillicores: 250, memoryMb: 6000 }, defaults)).toEqual({
      cpu: 1024,
      memory: 6144,
    });
    expect(() => fargateSize({ memoryMb: 500_000 }, defaults)).toThrow(BackendRejectedError);
  });

  it('parses image references into registry, repository and tag or digest', () => {
    expect(parseImage('busybox')).toEqual({
      registry: 'docker.io',
      repository: 'library/busybox',
      reference: 'latest',
    });
    expect(parseImage('127.0.0.1:5000/a/b:1')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'a/b',
      reference: '1',
    });
    expect(parseImage('ghcr.io/o/r@sha256:ab')).toEqual({
      registry: 'ghcr.io',
      repository: 'o/r',
      reference: 'sha256:ab',
    });
    expect(parseImage('team/app:2')).toEqual({
      registry: 'docker.io',
      repository: 'team/app',
      reference: '2',
    });
  });
});
