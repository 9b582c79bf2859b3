/**
 * The lifecycle over a cloud backend (the real ECS SDK against the protocol-level ECS fake): behaviours that
 * depend on how a backend treats run state, which the in-memory fake backend does not model.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EcsBackend } from '../../../src/backends/ecs/adapter';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { FakeEcsServer } from '../../support/fakes/ecs';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

let fake: FakeEcsServer | undefined;
afterAll(async () => {
  await fake?.close();
});

const until = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
};

describe('lifecycle on ECS (protocol-level fake)', () => {
  it('a worker updated while asleep is started when it wakes (ECS keeps a stopped service stopped on update)', async () => {
    // Bug: the driver assumed `update` starts the resource, as Docker's does; on ECS (and SAE) the new template
    // landed on a stopped service, the worker sat in `starting` for 30 minutes and was then marked failed.
    fake = await FakeEcsServer.start({ taskStartMs: 50, taskStopMs: 30, visibilityDelayMs: 0 });
    const image = fake.image('agents/worker:1');
    const next = fake.image('agents/worker:2');
    fake.pushImage(image);
    fake.pushImage(next);
    const h = makeHarness({
      settings: { defaultImage: image },
      wrapBackend: () =>
        new EcsBackend({
          region: 'us-east-1',
          cluster: 'agents',
          deploymentId: 'dtest',
          subnets: ['subnet-0fake'],
          endpoint: fake!.endpoint,
          credentials: fake!.credentials,
        }),
    });
    const backend = h.ctx.backends.all()[0]!;
    await h.service.create({ name: 'w1', backend: backend.name }, MANAGER);
    await h.service.sleep('w1', MANAGER);
    const ref = { resourceName: (await recordOf(h, 'w1')).backend_ref!.resource_name };
    await until(async () => (await backend.status(ref)).state === 'stopped', 'the service is stopped');
    await h.service.update('w1', { image: next }, MANAGER);
    await h.service.wake('w1', MANAGER);
    await until(async () => (await backend.status(ref)).state === 'running', 'the woken service runs');
    expect((await recordOf(h, 'w1')).phase).toBe('starting');
  });
});
