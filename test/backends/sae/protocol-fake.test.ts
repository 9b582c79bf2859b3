/**
 * The SAE adapter, through the real `@alicloud/openapi-client`, against a protocol-level fake of SAE
 * (`test/support/fakes/sae.ts`: ROA paths, signed requests, async change orders, eventual consistency,
 * throttling, lingering instances). No real SAE account is reachable from here: every test says so in its name.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WorkerSpec } from '../../../src/backends/port';
import { SaeBackend, type SaeBackendOptions } from '../../../src/backends/sae/adapter';
import { saeInstanceSize } from '../../../src/backends/sae/spec';
import { BackendRejectedError, BackendUnavailableError } from '../../../src/errors';
import { runBackendConformance } from '../../conformance/backend.case';
import {
  eventually,
  failureOf,
  newDeployment,
  TEST_WORKER_KEY as WORKER_KEY,
  workerSpecFor,
} from '../../support/backend-specs';
import { type FakeSaeOptions, FakeSaeServer } from '../../support/fakes/sae';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/agents/worker:1';
const IMAGE_2 = 'registry.cn-hangzhou.aliyuncs.com/agents/worker:2';
const MISSING = 'registry.cn-hangzhou.aliyuncs.com/agents/missing:1';

let shared: Promise<FakeSaeServer> | undefined;
/** One fake SAE account for the conformance suite; every setup() is another deployment in it. */
const account = () => {
  shared ??= FakeSaeServer.start({ images: [IMAGE], changeOrderMs: 120, visibilityDelayMs: 80 });
  return shared;
};

const backendFor = (fake: FakeSaeServer, deploymentId: string, options: Partial<SaeBackendOptions> = {}) =>
  new SaeBackend({
    regionId: 'cn-hangzhou',
    endpoint: fake.endpoint,
    protocol: 'http',
    ...fake.credentials,
    deploymentId,
    namespaceId: 'cn-hangzhou:agents',
    changeOrderWaitMs: 3_000,
    changeOrderRetryMs: 40,
    retryBaseMs: 10,
    ...options,
  });

const specFor = (deploymentId: string, overrides: Partial<WorkerSpec> = {}): WorkerSpec =>
  workerSpecFor(deploymentId, IMAGE, overrides);

afterAll(async () => {
  await (await shared)?.close();
});

runBackendConformance('SAE adapter against a protocol-level SAE fake', async () => {
  const fake = await account();
  const deploymentId = newDeployment();
  return { backend: backendFor(fake, deploymentId), image: IMAGE, missingImage: MISSING, deploymentId };
});

describe('SAE adapter specifics, against a protocol-level SAE fake', () => {
  const fakes: FakeSaeServer[] = [];
  const startFake = async (options: FakeSaeOptions = {}) => {
    const fake = await FakeSaeServer.start({
      images: [IMAGE, IMAGE_2],
      changeOrderMs: 150,
      visibilityDelayMs: 60,
      ...options,
    });
    fakes.push(fake);
    return fake;
  };
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.close();
  });

  it('sends CreateApplication with the image, Envs, a valid Cpu/Memory pair, host aliases and network ids (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, {
      vpcId: 'vpc-1',
      vSwitchId: 'vsw-1',
      securityGroupId: 'sg-1',
    });
    const spec = specFor(deploymentId, {
      resources: { cpuMillicores: 1500, memoryMb: 3000 },
      extraHosts: ['orchestrator:10.0.0.5'],
    });
    await backend.create(spec);
    const [create] = fake.requestsFor('CreateApplication');
    expect(create!.query).toMatchObject({
      AppName: spec.resourceName,
      PackageType: 'Image',
      ImageUrl: IMAGE,
      Cpu: '2000',
      Memory: '4096',
      Replicas: '1',
      NamespaceId: 'cn-hangzhou:agents',
      VpcId: 'vpc-1',
      VSwitchId: 'vsw-1',
      SecurityGroupId: 'sg-1',
    });
    expect(JSON.parse(create!.query.Envs!)).toContainEqual({ name: 'GREETING', value: 'one' });
    expect(JSON.parse(create!.query.CustomHostAlias!)).toEqual([
      { hostName: 'orchestrator', ip: '10.0.0.5' },
    ]);
    expect(create!.query).not.toHaveProperty('Tags');
  });

  it('tags the application only after CreateApplication returned its AppId, retrying while the tag service cannot see it yet (protocol-level fake)', async () => {
    const fake = await startFake({ visibilityDelayMs: 200 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    const createdAt = fake.requests.findIndex((r) => r.action === 'CreateApplication' && r.status === 200);
    const tags = fake.requestsFor('TagResources');
    expect(fake.requests.findIndex((r) => r.action === 'TagResources')).toBeGreaterThan(createdAt);
    expect(tags.some((r) => r.status === 404)).toBe(true); // the app was not visible to tagging at first
    const accepted = tags.find((r) => r.status === 200)!;
    expect(JSON.parse(accepted.form.ResourceIds!)).toEqual([ref.id]);
    expect(JSON.parse(accepted.form.Tags!)).toEqual([
      { key: 'orchestrator.deployment', value: spec.deploymentId },
      { key: 'orchestrator.worker', value: spec.name },
      { key: 'orchestrator.uid', value: spec.uid },
    ]);
  });

  it('create returns while the change order still runs: the work is started, not awaited (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    fake.stickChangeOrders(true);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    const status = await eventually(
      () => backend.status(ref),
      (s) => s.state !== 'not_found',
    );
    expect(status.state).toBe('starting');
    expect(status.raw).toContain('CoCreateApp');
    fake.stickChangeOrders(false);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
  });

  it('retries Application.ChangerOrderRunning until the running order finishes, then submits the change (protocol-level fake)', async () => {
    const fake = await startFake({ changeOrderMs: 300 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state !== 'not_found',
    );
    await backend.update(ref, { ...spec, image: IMAGE_2, env: { ...spec.env, GREETING: 'two' } });
    const deploys = fake.requestsFor('DeployApplication');
    expect(deploys[0]!.code).toBe('Application.ChangerOrderRunning');
    expect(deploys.at(-1)!.status).toBe(200);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    const instance = fake.app(spec.resourceName)!.instances[0]!;
    expect(instance.ImageUrl).toBe(IMAGE_2);
    expect(instance.env.GREETING).toBe('two');
  });

  it('gives up on a change order that never finishes with BackendUnavailableError (retry later) after its bound (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, { changeOrderWaitMs: 300 });
    fake.stickChangeOrders(true);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'starting',
    );
    const error = await failureOf(backend.stop(ref));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(
      fake.requestsFor('StopApplication').every((r) => r.code === 'Application.ChangerOrderRunning'),
    ).toBe(true);
  });

  it('start and delete do not queue behind an order that already does their job (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    fake.stickChangeOrders(true);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'starting',
    );
    await backend.start(ref); // the running CoCreateApp already starts it
    expect(fake.requestsFor('StartApplication').filter((r) => r.status === 200)).toHaveLength(0);
    fake.stickChangeOrders(false);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    fake.stickChangeOrders(true);
    await backend.delete(ref);
    await backend.delete(ref); // the running CoDeleteApp already deletes it
    expect(fake.requestsFor('DeleteApplication').filter((r) => r.status === 200)).toHaveLength(1);
    expect((await backend.status(ref)).state).toBe('not_found');
  });

  it('retries Throttling.User and 503 within the bound, then reports BackendUnavailableError (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, { maxAttempts: 3 });
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    fake.throttle(2, { action: 'DescribeApplicationStatus' });
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );

    const before = fake.requestsFor('DescribeApplicationStatus').length;
    fake.throttle(10, { action: 'DescribeApplicationStatus', code: 'ServiceUnavailable', status: 503 });
    const error = await failureOf(backend.status(ref));
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(fake.requestsFor('DescribeApplicationStatus').length - before).toBe(3);
  });

  it('create returns the AppId even when tagging fails, and a later create adopts and tags that app (protocol-level fake)', async () => {
    // An app that exists must never be forgotten: throwing here used to make the caller roll back its record
    // while the SAE app kept running, untagged, where no inventory would ever find it.
    const fake = await startFake();
    const deploymentId = newDeployment();
    const spec = specFor(deploymentId);
    fake.throttle(100, { action: 'TagResources' });
    const first = await backendFor(fake, deploymentId, { maxAttempts: 1 }).create(spec);
    expect(first.ref.id).toBe(fake.app(spec.resourceName)!.AppId);
    expect(fake.app(spec.resourceName)!.tags).toEqual({});

    fake.clearThrottles();
    const backend = backendFor(fake, deploymentId);
    const { ref } = await backend.create(spec);
    expect(ref.id).toBe(fake.app(spec.resourceName)!.AppId);
    expect(fake.app(spec.resourceName)!.tags['orchestrator.uid']).toBe(spec.uid);
    const again = await backend.create(spec);
    expect(again.ref.id).toBe(ref.id);
    expect(fake.requestsFor('CreateApplication').filter((r) => r.status === 200)).toHaveLength(1);

    const intruder = await failureOf(backend.create({ ...spec, uid: crypto.randomUUID() }));
    expect(intruder).toBeInstanceOf(BackendRejectedError);
    expect((intruder as BackendRejectedError).code).toBe('name_taken');
  });

  it('refuses another uid even while its app is not listed yet, by waiting for the listing (protocol-level fake)', async () => {
    const fake = await startFake({ visibilityDelayMs: 300 });
    const deploymentId = newDeployment();
    const spec = specFor(deploymentId);
    await backendFor(fake, deploymentId).create(spec);
    const intruder = await failureOf(
      backendFor(fake, deploymentId).create({ ...spec, uid: crypto.randomUUID() }),
    );
    expect((intruder as BackendRejectedError).code).toBe('name_taken');
  });

  it('reports an image SAE cannot pull in a failed change order as unknown with ErrImagePull (protocol-level fake)', async () => {
    const fake = await startFake({ imagePullFailure: 'change-order' });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(deploymentId, { image: MISSING });
    const { ref } = await backend.create(spec);
    const status = await eventually(
      () => backend.status(ref),
      (s) => s.state === 'unknown',
    );
    expect(status.raw).toContain('FAIL');
    expect(status.raw).toContain('ErrImagePull');
    expect(status.instances).toEqual([]);
  });

  it('a wake after a failed change order restarts the application (protocol-level fake)', async () => {
    const fake = await startFake({ imagePullFailure: 'change-order' });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const { ref } = await backend.create(specFor(deploymentId, { image: MISSING }));
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'unknown',
    );
    fake.pushImage(MISSING); // the image has been pushed since
    await backend.start(ref);
    expect(fake.requestsFor('RestartApplication').map((r) => r.status)).toEqual([200]);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 1,
    );
  });

  it('deploys and restarts with MinReadyInstances 0, so two copies of one worker never run at once (protocol-level fake)', async () => {
    const fake = await startFake();
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    const settled = () =>
      eventually(
        () => backend.status(ref),
        (s) => s.state !== 'starting',
      );
    expect((await settled()).state).toBe('running');
    await backend.update(ref, { ...spec, image: IMAGE_2 });
    expect((await settled()).state).toBe('running');
    // A deploy whose new instance crash-loops; the next wake restarts the application.
    fake.failNextChangeOrder();
    await backend.update(ref, { ...spec, env: { ...spec.env, GREETING: 'two' } });
    expect((await settled()).state).toBe('unknown');
    await backend.start(ref);
    expect((await settled()).state).toBe('running');

    expect(fake.app(spec.resourceName)?.maxRunning).toBe(1);
    const changes = [...fake.requestsFor('DeployApplication'), ...fake.requestsFor('RestartApplication')];
    expect(changes.map((r) => [r.action, r.query.MinReadyInstances])).toEqual([
      ['DeployApplication', '0'],
      ['DeployApplication', '0'],
      ['RestartApplication', '0'],
    ]);
  });

  it('lists an old instance that keeps running after a deploy or a stop until it is gone (protocol-level fake)', async () => {
    const fake = await startFake({ oldInstanceLingerMs: 400 });
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId);
    const spec = specFor(deploymentId);
    const { ref } = await backend.create(spec);
    const first = (
      await eventually(
        () => backend.status(ref),
        (s) => s.state === 'running',
      )
    ).instances[0]!;
    await backend.update(ref, { ...spec, env: { ...spec.env, GREETING: 'two' } });
    const both = await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running' && s.instances.length === 2,
    );
    expect(both.instances.map((i) => i.id)).toContain(first.id);
    const after = await eventually(
      () => backend.status(ref),
      (s) => s.instances.length === 1,
    );
    expect(after.instances[0]!.id).not.toBe(first.id);

    await backend.stop(ref);
    const stopping = await eventually(
      () => backend.status(ref),
      (s) => s.state === 'stopped',
    );
    expect(stopping.instances.map((i) => i.id)).toEqual([after.instances[0]!.id]);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'stopped' && s.instances.length === 0,
    );
  });

  it('never puts the access key secret, the security token or env values into an error (protocol-level fake)', async () => {
    const fake = await startFake({ securityToken: 'sts-token-that-must-not-leak' });
    const deploymentId = newDeployment();
    const spec = specFor(deploymentId);
    const wrong = backendFor(fake, deploymentId, { accessKeySecret: 'a-wrong-secret-that-must-not-leak' });
    const errors = [
      await failureOf(wrong.create(spec)),
      await failureOf(
        backendFor(fake, deploymentId, { securityToken: 'a-wrong-token-that-must-not-leak' }).create(spec),
      ),
      await failureOf(backendFor(fake, deploymentId).create({ ...spec, image: MISSING })),
    ];
    expect(errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect((errors[2] as BackendRejectedError).field).toBe('image');
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${JSON.stringify((error as Error).cause)}`;
      for (const secret of ['must-not-leak', fake.credentials.accessKeySecret, WORKER_KEY])
        expect(text).not.toContain(secret);
    }
  });

  it('signs with rotating credentials read from a getter (protocol-level fake)', async () => {
    const fake = await startFake();
    let reads = 0;
    const deploymentId = newDeployment();
    const backend = backendFor(fake, deploymentId, {
      accessKeyId: undefined,
      accessKeySecret: undefined,
      credentials: async () => {
        reads++;
        return {
          accessKeyId: fake.credentials.accessKeyId,
          accessKeySecret: fake.credentials.accessKeySecret,
        };
      },
    });
    expect((await backend.health()).ok).toBe(true);
    expect(reads).toBeGreaterThan(0);
  });
});

describe('SAE instance sizes', () => {
  it('picks the smallest allowed Cpu/Memory pair covering the request, and the default pair for none', () => {
    const defaults = { cpuMillicores: 1000, memoryMb: 2048 };
    expect(saeInstanceSize(undefined, defaults)).toEqual({ Cpu: 1000, Memory: 2048 });
    expect(saeInstanceSize({ cpuMillicores: 500 }, defaults)).toEqual({ Cpu: 500, Memory: 2048 });
    expect(saeInstanceSize({ cpuMillicores: 2500, memoryMb: 1024 }, defaults)).toEqual({
      Cpu: 4000,
      Memory: 4096,
    });
    expect(() => saeInstanceSize({ cpuMillicores: 64000 }, defaults)).toThrow(BackendRejectedError);
  });
});
