/**
 * The worker a lifecycle step creates: named and tagged for the run through the product's own rules
 * (`resourceNameFor`, the `orchestrator.*` tags the adapters put on everything), so the run's resources are
 * recognisable and can never be taken for a real worker's.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { resourceNameFor, type WorkerSpec } from '../../src/backends/port';

/** The deployment id the run's resources are tagged with (`orchestrator.deployment`): the run id itself. */
export function smokeWorker(run: string, image: string): WorkerSpec {
  const uid = randomUUID();
  return {
    name: 'smoke',
    uid,
    deploymentId: run,
    resourceName: resourceNameFor(run, 'smoke', uid),
    image,
    // The revision changes on update, so the deploy is a real new version even with the same image.
    env: { SMOKE_RUN: run, SMOKE_REVISION: '1' },
    labels: {},
  };
}

export const nextRevision = (spec: WorkerSpec, image = spec.image): WorkerSpec => ({
  ...spec,
  image,
  env: { ...spec.env, SMOKE_REVISION: String(Number(spec.env.SMOKE_REVISION ?? '1') + 1) },
});
