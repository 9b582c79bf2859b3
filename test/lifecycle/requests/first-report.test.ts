/**
 * A worker's first report can arrive before the orchestrator has recorded that it started the worker: the backend
 * starts the container, and only then does the driver write `starting`. The 409 that report gets must say so.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('a report that beats the record of its start', () => {
  it('is a 409 invalid_phase saying the start is not recorded yet, with Retry-After 1', async () => {
    const h = makeHarness();
    // The create call to the backend takes a while: the record stays `pending` meanwhile.
    h.backend.behave('create', { delayMs: 200 });
    const creating = h.service.create({ name: 'quick' }, MANAGER);
    let pending = await h.repo.read('quick');
    while (!pending) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      pending = await h.repo.read('quick');
    }
    const record = await recordOf(h, 'quick');
    expect(record.phase).toBe('pending');

    const refused = await h.service.report(record, {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({
      status: 409,
      code: 'invalid_phase',
      retryAfterSeconds: 1,
      message:
        'worker quick is pending: the orchestrator started it but has not recorded that yet; report again in a moment',
    });
    await creating;
    // Once the start is recorded, the same report is accepted.
    await h.service.report(await recordOf(h, 'quick'), {});
    expect((await recordOf(h, 'quick')).phase).toBe('ready');
  });
});
