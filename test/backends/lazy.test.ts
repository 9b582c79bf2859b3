/**
 * `lazyBackend`: a backend whose client loads on its first call. The facts the lifecycle reads without calling
 * load nothing; the first call loads once, concurrent calls share it; a failed load is a 503 naming the reason
 * and the next call tries again. The facts the cloud roots declare for ECS and SAE are the adapters' own.
 */
import { describe, expect, it } from 'vitest';
import { EcsBackend } from '../../src/backends/ecs';
import { FakeBackend } from '../../src/backends/fake';
import { lazyBackend } from '../../src/backends/lazy';
import { SaeBackend } from '../../src/backends/sae';
import { BackendUnavailableError } from '../../src/errors';
import { SAE_FACTS } from '../../src/platforms/aliyun';
import { ECS_FACTS } from '../../src/platforms/aws';

const facts = { name: 'fake', deploymentMode: 'local', capabilities: { logs: true } } as const;

describe('lazyBackend', () => {
  it('answers name, deployment mode and capabilities without loading the backend', () => {
    let loads = 0;
    const backend = lazyBackend(facts, async () => {
      loads++;
      return new FakeBackend();
    });
    expect([backend.name, backend.deploymentMode, backend.capabilities.logs]).toEqual([
      'fake',
      'local',
      true,
    ]);
    expect(typeof backend.logs).toBe('function');
    expect(loads).toBe(0);
  });

  it('loads on the first call, once for concurrent calls, and passes every call through', async () => {
    let loads = 0;
    const real = new FakeBackend();
    const backend = lazyBackend(facts, async () => {
      loads++;
      return real;
    });
    const [a, b] = await Promise.all([backend.list(), backend.health()]);
    expect(a).toEqual(await real.list());
    expect(b).toEqual(await real.health());
    expect(loads).toBe(1);
  });

  it('answers a failed load with 503 naming the reason, and tries again on the next call', async () => {
    let attempts = 0;
    const backend = lazyBackend(facts, async () => {
      attempts++;
      if (attempts === 1) throw new Error('ECS_CLUSTER names no cluster');
      return new FakeBackend();
    });
    const error = await backend.health().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).status).toBe(503);
    expect((error as Error).message).toBe('backend fake is not available: ECS_CLUSTER names no cluster');
    await expect(backend.health()).resolves.toMatchObject({ ok: true });
    expect(attempts).toBe(2);
  });

  it('is told the same facts by the AWS and Alibaba roots as the ECS and SAE adapters give', () => {
    const ecs = new EcsBackend({
      region: 'us-east-1',
      cluster: 'c',
      subnets: ['subnet-1'],
      deploymentId: 'd',
    });
    const sae = new SaeBackend({
      regionId: 'cn-hangzhou',
      deploymentId: 'd',
      accessKeyId: 'a',
      accessKeySecret: 's',
    });
    for (const [declared, real] of [
      [ECS_FACTS, ecs],
      [SAE_FACTS, sae],
    ] as const) {
      expect(declared).toEqual({
        name: real.name,
        deploymentMode: real.deploymentMode,
        capabilities: real.capabilities,
      });
    }
  });
});
