/**
 * A worker that reports ready while the wake that started it is still being driven stays ready.
 *
 * The bug (found by the fleet page's browser test, about one run in five): the wake round started the container,
 * the worker booted and reported ready before the round recorded what it saw, and the round's observation then
 * moved the record from `ready` back to `starting` under a new boot. Later reports were heartbeats of a boot
 * that was no longer the record's, so the worker stayed `starting` for good.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerBackend } from '../../../src/backends/port';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { createReady, makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('a ready report during the wake that started the worker', () => {
  it('is not undone by the wake round recording what it saw', async () => {
    let duringStart: (() => Promise<void>) | undefined;
    const h = makeHarness({
      wrapBackend: (backend) =>
        new Proxy(backend, {
          get(target, property, receiver) {
            if (property !== 'start') return Reflect.get(target, property, receiver);
            return async (...args: Parameters<WorkerBackend['start']>) => {
              await target.start(...args);
              const hook = duringStart;
              duringStart = undefined;
              await hook?.();
            };
          },
        }),
    });
    await createReady(h, { name: 'w1' });
    await h.service.sleep('w1', MANAGER);
    expect((await recordOf(h, 'w1')).phase).toBe('sleeping');

    // The container starts, the worker boots and reports at once, before the round observes.
    duringStart = async () => {
      h.clock.advance(800);
      await h.service.report(await recordOf(h, 'w1'), {});
    };
    await h.service.wake('w1', MANAGER);

    const after = await recordOf(h, 'w1');
    expect(after.phase).toBe('ready');
    // Its next report is a heartbeat of the boot it made ready, not a report refused for another boot.
    await h.service.report(after, {});
    expect((await recordOf(h, 'w1')).phase).toBe('ready');
  });
});
