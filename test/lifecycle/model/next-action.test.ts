/**
 * `next_action` as managers see it: a worker that is starting has no failure planned, only a deadline after which
 * it is failed if it is still starting, and the kind says so.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { nextAction } from '../../../src/lifecycle/model/policy';
import { makeHarness, recordOf } from '../../support/lifecycle-harness';

describe('next_action of a fresh worker', () => {
  it('is the wedge deadline, named fail_if_stuck, at phase_since + WEDGED_AFTER_SECONDS', async () => {
    // Bug: the view said {"kind":"fail"} for every worker still starting, which read as a failure on its way.
    const h = makeHarness();
    await h.service.create({ name: 'fresh' }, MANAGER);
    const record = await recordOf(h, 'fresh');
    expect(record.phase).toBe('starting');

    const planned = nextAction(record, h.settings);
    expect(planned).toEqual({
      kind: 'fail_if_stuck',
      at: Date.parse(record.phase_since) + h.settings.wedgedAfterSeconds * 1000,
    });
    const view = await h.service.get('fresh', MANAGER);
    expect(view.next_action).toEqual({ kind: 'fail_if_stuck', at: new Date(planned!.at).toISOString() });
  });
});
