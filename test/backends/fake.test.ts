import { describe, expect, it } from 'vitest';
import { FakeBackend } from '../../src/backends/fake';
import { resourceNameFor, type WorkerSpec } from '../../src/backends/port';
import { runBackendConformance } from '../conformance/backend.case';

// FakeBackend treats any image containing 'missing' as missing; each setup is its own deployment (its own world).
runBackendConformance('FakeBackend', async () => ({
  backend: new FakeBackend(),
  image: 'example.test/worker:1',
  missingImage: 'example.test/missing-worker:1',
  deploymentId: `fake-${crypto.randomUUID().slice(0, 8)}`,
}));

describe('FakeBackend beyond the shared contract', () => {
  it('update replaces the stored spec (env and image) of the resource', async () => {
    const backend = new FakeBackend();
    const uid = crypto.randomUUID();
    const spec: WorkerSpec = {
      name: 'alpha',
      uid,
      deploymentId: 'dep1',
      resourceName: resourceNameFor('dep1', 'alpha', uid),
      image: 'example.test/worker:1',
      env: { GREETING: 'one' },
      labels: {},
    };
    const { ref } = await backend.create(spec);
    await backend.update(ref, { ...spec, image: 'example.test/worker:2', env: { GREETING: 'two' } });
    const stored = backend.resource(spec.resourceName)!.spec;
    expect(stored.image).toBe('example.test/worker:2');
    expect(stored.env).toEqual({ GREETING: 'two' });
  });
});
