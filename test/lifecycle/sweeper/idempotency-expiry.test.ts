/**
 * The sweeper deletes idempotency-key entries once their 24 h are over, listing only the due part of the index.
 */
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, IdempotencyKeys } from '../../../src/lifecycle/persistence/idempotency';
import { runSweep } from '../../../src/lifecycle/sweeper';
import { makeHarness } from '../../support/lifecycle-harness';

describe('sweeper: idempotency-key expiry', () => {
  it('removes an entry and its index key after 24 h, not before', async () => {
    const h = makeHarness();
    const keys = new IdempotencyKeys(h.store);
    const held = await keys.begin('c'.repeat(64), 'fp', h.clock.now(), 90_000);
    if (held.kind !== 'started') throw new Error('unreachable');
    await keys.finish('c'.repeat(64), held, { status: 204, body: '' });
    const stored = async () => (await h.store.list('idempotency/')).keys.length;

    await runSweep(h.ctx);
    expect(await stored()).toBe(2);
    h.clock.advance(IDEMPOTENCY_TTL_MS + 1000);
    await runSweep(h.ctx);
    expect(await stored()).toBe(0);
  });
});
