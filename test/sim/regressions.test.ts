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

/**
 * What the simulator found once the eleven were fixed (the invariants the budget used to leave out), each pinned
 * to a seed on which the code before its fix broke the invariant. Seeds replay one random stream: a later change
 * to what the code calls can move a seed off its scenario, so each fix also has a unit test under test/lifecycle.
 */
describe('what the simulator found after them', () => {
  it('a create killed between its secrets and its record leaves no secret behind for good (the full scan removes it)', async () => {
    expect(await violationsOf(284, { invariants: ['secret_has_record'] })).toEqual([]);
  });

  it("a deleted incarnation's secrets go even when a re-create replaced its tombstone before the clean-up", async () => {
    expect(await violationsOf(6, { invariants: ['deleted_incarnation_gone'] })).toEqual([]);
  });

  it('every phase change has its event: a new incarnation logs its first, and a gap is filled by the next transition', async () => {
    expect(await violationsOf(54, { invariants: ['events_explain_phases'] })).toEqual([]);
    expect(await violationsOf(1397, { invariants: ['events_explain_phases'] })).toEqual([]);
  });

  it('a failed or sleeping worker has nothing running at quiescence (lost stop, unrecorded resource)', async () => {
    expect(await violationsOf(52, { invariants: ['converged'] })).toEqual([]);
    expect(await violationsOf(71, { invariants: ['converged'] })).toEqual([]);
  });

  it('every deadline has a hint at or before it (a hint kept under a create in flight, and one listed early)', async () => {
    expect(await violationsOf(103, { invariants: ['hint_covers_deadline'] })).toEqual([]);
    expect(await violationsOf(143, { invariants: ['hint_covers_deadline'] })).toEqual([]);
  });

  it('a worker that reported busy is not slept for idleness (busy clock across boots, reports that lost a race)', async () => {
    expect(await violationsOf(108, { invariants: ['busy_not_slept'] })).toEqual([]);
    expect(await violationsOf(164, { invariants: ['busy_not_slept'] })).toEqual([]);
  });

  it('activity is not answered 200 while a sleep or delete that landed during its wake leaves the worker down', async () => {
    expect(await violationsOf(125, { invariants: ['activity_on_awake_worker'] })).toEqual([]);
  });

  it("one running container per uid: the simulated Docker update uses the adapter's deterministic <name>-next", async () => {
    expect(await violationsOf(133, { invariants: ['single_running_resource'] })).toEqual([]);
  });
});
