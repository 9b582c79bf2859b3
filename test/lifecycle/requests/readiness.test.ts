/**
 * Readiness reports racing each other: a report of a boot that another report made ready first is a heartbeat,
 * and what it says (busy) counts.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('readiness reports', () => {
  it('a busy report that finds its boot already made ready by another report is written as a busy beat', async () => {
    // The bug: the report read the record while `starting`, lost the race to make it ready, and answered 200
    // without writing anything: the worker's busy went unrecorded, and it could be slept as idle mid-work.
    const h = makeHarness();
    await h.service.create({ name: 'w1' }, MANAGER);
    const starting = await recordOf(h, 'w1');
    await h.service.report(starting, {});
    expect((await recordOf(h, 'w1')).phase).toBe('ready');

    await h.service.report(starting, { busy: true });

    expect(await h.repo.readBeat('w1')).toMatchObject({ busy: true, uid: starting.uid });
  });

  it('a report whose record changed incarnation meanwhile is refused, not answered 200 with nothing written', async () => {
    const h = makeHarness();
    await h.service.create({ name: 'w1' }, MANAGER);
    const starting = await recordOf(h, 'w1');
    await h.service.delete('w1', MANAGER);
    await h.service.create({ name: 'w1', image: 'img:2' }, MANAGER);

    const outcome = await h.service.report(starting, { busy: true }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(ConflictError);
  });
});
