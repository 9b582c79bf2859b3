/**
 * Issue 11's defects, each pinned to a seed on which the simulator shows it. Every test asserts the invariant
 * holds, so each FAILS on the code the issue describes and passes once its defect is fixed. Replay any of them
 * with `npm run sim -- --seed S --only <invariant>` (plus the faults given here) to read its trace.
 */
import { describe, expect, it } from 'vitest';
import type { SimOverrides } from './options';
import { runSimulation } from './run';

const QUIET = {
  store: { throttle: 0, lostResponse: 0, lostConditionalDelete: 0, stall: 0, listingMiss: 0 },
  schedule: { killBefore: 0, killAfter: 0, freeze: 0, freezeAnswered: 0 },
  backend: { nothingSent: 0, sentUnknown: 0 },
};

async function violationsOf(seed: number, overrides: SimOverrides) {
  const result = await runSimulation(seed, { steps: 300, ...overrides });
  return result.violations.map((v) => `${v.invariant}: ${v.message}`);
}

describe('issue 11 defects, as the simulator finds them', () => {
  it('1: a worker that keeps reporting busy is not slept for idleness (busy_at moves only with a beat rewrite)', async () => {
    expect(await violationsOf(170, { invariants: ['busy_not_slept'] })).toEqual([]);
  });

  it('2: a Docker update killed between starting <name>-next-… and removing the old container leaves one running container', async () => {
    expect(await violationsOf(59, { invariants: ['single_running_resource'] })).toEqual([]);
  });

  it('3: a sleeping record has no running resource at quiescence (an abandoned round must not start it again)', async () => {
    expect(await violationsOf(83, { invariants: ['converged'] })).toEqual([]);
  });

  it('4: a round resumed under an expired lease does not prune env values the current spec names', async () => {
    expect(await violationsOf(90, { invariants: ['spec_has_secrets'] })).toEqual([]);
  });

  it('5: a create that got an ambiguous backend error does not roll back over a resource that exists (SAE)', async () => {
    const faults = { ...QUIET, backend: { nothingSent: 0, sentUnknown: 0.15 } };
    expect(await violationsOf(1, { backends: ['sae'], faults, invariants: ['converged'] })).toEqual([]);
  });

  it('9: activity answered 200 leaves the worker awake (a sleep landing between the check and the write)', async () => {
    expect(await violationsOf(1, { invariants: ['activity_on_awake_worker'] })).toEqual([]);
  });

  it('11: a team never holds more live workers than its quota across re-created incarnations', async () => {
    expect(await violationsOf(183, { invariants: ['team_quota'] })).toEqual([]);
  });
});
