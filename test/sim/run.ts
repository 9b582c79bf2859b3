/**
 * One simulated run from a seed: set up the deployment, take `steps` steps (each: one actor acts or time passes,
 * then a few network calls are delivered in seeded order), check the invariants after every step, and finally run
 * to quiescence and check convergence. The same seed and options always give the same run.
 */
import { createEndpoint, EVENT_TYPES } from '../../src/lifecycle/outbox';
import { createTeam } from '../../src/lifecycle/teams';
import { Actors } from './actors';
import { installDeterminism } from './determinism';
import type { Violation } from './history';
import { Checker } from './invariants';
import { ACTORS, type SimOverrides, withDefaults } from './options';
import { quiesce, retentionSlackMs, STALE_HINT_MS } from './quiesce';
import { drain } from './scheduler';
import { SIM_START, TEAM, TEAM_QUOTA, World } from './world';

export interface StepViolation extends Violation {
  /** The step after which it was seen; `steps + 1` means at quiescence. */
  step: number;
}

export interface SimResult {
  seed: number;
  steps: number;
  violations: StepViolation[];
  /** The last scheduler events before the first violation (or the end). */
  trace: string[];
  deliveries: number;
  virtualSeconds: number;
}

const MAX_DELIVERIES_PER_STEP = 6;

export async function runSimulation(seed: number, overrides: SimOverrides = {}): Promise<SimResult> {
  const options = withDefaults(overrides);
  const world = new World(seed, options);
  world.scheduler.traceLines = options.traceLines;
  const determinism = installDeterminism(world.random, (ms) => world.scheduler.clockFor(undefined).sleep(ms));
  const violations: StepViolation[] = [];
  let trace: string[] = [];
  const found = (step: number, list: Violation[]) => {
    if (list.length === 0) return false;
    if (violations.length === 0) trace = world.scheduler.recentTrace();
    // Going on after a violation, only the first of each invariant is kept: the rest mostly repeat it.
    const fresh = list.filter((v) => !violations.some((seen) => seen.invariant === v.invariant));
    violations.push(...fresh.map((v) => ({ ...v, step })));
    return options.stopAtFirst;
  };
  try {
    await setUp(world);
    const actors = new Actors(world);
    const checker = new Checker(world, options.invariants);
    const weights = Object.fromEntries(ACTORS.map((a) => [a, options.actors[a]])) as Record<
      (typeof ACTORS)[number],
      number
    >;
    let stopped = false;
    for (let step = 1; step <= options.steps && !stopped; step++) {
      actors.act(world.random.weighted(weights));
      await drain();
      const deliveries = world.random.int(0, MAX_DELIVERIES_PER_STEP);
      for (let i = 0; i < deliveries; i++) if (!(await world.scheduler.deliverOne())) break;
      stopped = found(step, checker.afterStep());
    }
    if (!stopped && options.quiesce) {
      await quiesce(world);
      found(options.steps + 1, checker.atQuiescence(retentionSlackMs(world), STALE_HINT_MS));
    }
    if (violations.length === 0) trace = world.scheduler.recentTrace();
  } finally {
    determinism.restore();
  }
  return {
    seed,
    steps: options.steps,
    violations,
    trace,
    deliveries: world.scheduler.deliveries,
    virtualSeconds: Math.round((world.now() - SIM_START) / 1000),
  };
}

/** The deployment before the first step: a team near whose quota the team key will create. */
async function setUp(world: World): Promise<void> {
  const saved = world.scheduler.faults;
  world.scheduler.faults = { killBefore: 0, killAfter: 0, freeze: 0, freezeAnswered: 0 };
  const savedStore = world.bucket.faults;
  world.bucket.faults = { throttle: 0, lostResponse: 0, lostConditionalDelete: 0, stall: 0, listingMiss: 0 };
  world.scheduler.spawn('set up team', 60_000, (task) =>
    createTeam(world.contextFor(task), TEAM, { max_workers: TEAM_QUOTA }),
  );
  world.scheduler.spawn('register the webhook endpoint', 60_000, async (task) => {
    await createEndpoint(
      world.contextFor(task).webhooks!,
      // Every type, the opt-in credentials.issued included, so its filings face the faults too.
      { url: 'https://receiver.example/hooks', types: [...EVENT_TYPES] },
      world.now(),
    );
  });
  await world.scheduler.runUntilIdle();
  world.scheduler.faults = saved;
  world.bucket.faults = savedStore;
}
