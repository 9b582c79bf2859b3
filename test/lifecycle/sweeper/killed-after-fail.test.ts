/**
 * A sweeper killed right after it failed an unresponsive worker still gets the worker's resource stopped.
 *
 * Review finding: `failUnderLease` wrote `failed` without owing a stop (`stop_check_at`), unlike the other two
 * ways to fail; a sweeper that died before its own stop left the resource running behind a failed record, and
 * later runs only released the stale lease.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerBackend } from '../../../src/backends/port';
import { BackendRegistry } from '../../../src/lifecycle/context';
import { deadlineOf } from '../../../src/lifecycle/model/policy';
import { WorkerRepository } from '../../../src/lifecycle/persistence/repository';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import type { ObjectStore } from '../../../src/store/port';
import { createReady, makeHarness } from '../../support/lifecycle-harness';

const MIN = 60_000;
describe('a worker failed by the sweeper', () => {
  it('has its resource stopped even when the sweeper that failed it dies right after the write', async () => {
    let dead = false;
    const never = () => new Promise<never>(() => {});
    const h = makeHarness({
      settings: { maxAttempts: 1 },
      wrapStore: (s) => {
        const w = Object.create(s) as ObjectStore;
        return Object.assign(w, {
          get: (k: string) => (dead ? never() : s.get(k)),
          list: (p: string, o?: Parameters<ObjectStore['list']>[1]) => (dead ? never() : s.list(p, o)),
          delete: (k: string, o?: any) => (dead ? never() : s.delete(k, o)),
          put: async (k: string, b: string, o?: any) => {
            if (dead) return never();
            const r = await s.put(k, b, o);
            if (k === 'workers/w1.json' && JSON.parse(b).phase === 'failed') dead = true; // dies right after its write
            return r;
          },
        });
      },
      wrapBackend: (b) =>
        Object.assign(Object.create(b) as WorkerBackend, {
          status: (ref: any, sig?: any) => (dead ? never() : b.status(ref, sig)),
          stop: (ref: any, sig?: any) => (dead ? never() : b.stop(ref, sig)),
        }),
    });
    await createReady(h, { name: 'w1' });
    h.clock.advance(20 * MIN);
    void runSweep(h.ctx); // this instance dies after writing `failed`
    for (let i = 0; i < 50 && !dead; i++) await new Promise((r) => setImmediate(r));
    expect(dead).toBe(true);
    const other = {
      ...h.ctx,
      owner: 'other',
      repo: new WorkerRepository(h.store, deadlineOf(h.settings), () => h.clock.now()),
      backends: new BackendRegistry(new Map([[h.backend.name, h.backend as WorkerBackend]])),
    };
    for (let i = 0; i < 180; i++) {
      h.clock.advance(MIN);
      await runSweep(other);
    }
    const after = (await other.repo.read('w1'))?.value as { phase?: string } | undefined;
    expect(after?.phase).toBe('failed');
    const running = h.backend.allResources().filter((r) => r.spec.name === 'w1' && r.running).length;
    expect(running).toBe(0);
  });
});
