/**
 * The inventory reconcile: orphans are stopped (or deleted) only after two sightings a grace apart, a few per
 * run, and nothing at all is reconciled when the store looks wrong for the inventory.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerSpec } from '../../../src/backends/port';
import { resourceNameFor } from '../../../src/backends/port';
import { MANAGER } from '../../../src/lifecycle/model/actor';
import { layout } from '../../../src/lifecycle/persistence/layout';
import type { SweeperSettings } from '../../../src/lifecycle/sweeper/settings';
import { runSweep } from '../../../src/lifecycle/sweeper/sweep';
import { createReady, type Harness, makeHarness, QUIET } from '../../support/lifecycle-harness';

const MIN = 60_000;

/** A resource of this deployment that no record owns (a create whose record never landed, a delete gone wrong). */
async function plantOrphan(h: Harness, name: string, deploymentId?: string) {
  const deployment = deploymentId ?? (await h.ctx.deployment()).deployment_id;
  const uid = crypto.randomUUID();
  const spec: WorkerSpec = {
    name,
    uid,
    deploymentId: deployment,
    resourceName: resourceNameFor(deployment, name, uid),
    image: 'img',
    env: {},
    labels: {},
  };
  await h.backend.create(spec);
  return spec.resourceName;
}

const running = (h: Harness, resourceName: string) => h.backend.resource(resourceName)?.running;

describe('orphans', () => {
  it('stops an orphan only once it has been seen without a record for orphanGraceSeconds, not before', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1' });
    const ghost = await plantOrphan(h, 'ghost');

    const first = await runSweep(h.ctx);
    expect(first.orphans).toMatchObject({ candidates: 1, stopped: 0 });
    h.clock.advance(20 * MIN);
    expect((await runSweep(h.ctx)).orphans.stopped).toBe(0);
    expect(running(h, ghost)).toBe(true);
    h.clock.advance(11 * MIN);

    const report = await runSweep(h.ctx);

    expect(report.orphans.stopped).toBe(1);
    expect(running(h, ghost)).toBe(false);
    expect(h.backend.resource(ghost)).toBeDefined();
    expect(h.backend.allResources().find((r) => r.spec.name === 'w1')?.running).toBe(true);
    // Stopped once; later runs do not act on it again.
    h.clock.advance(40 * MIN);
    expect((await runSweep(h.ctx)).orphans.stopped).toBe(0);
  });

  it('with orphanAction delete, stops at the grace and deletes only after a further grace', async () => {
    const h = makeHarness({ settings: QUIET });
    const sweep = () => runSweep(h.ctx, { settings: { orphanAction: 'delete' } });
    await createReady(h, { name: 'w1' });
    const ghost = await plantOrphan(h, 'ghost');
    await sweep();
    h.clock.advance(31 * MIN);
    expect((await sweep()).orphans).toMatchObject({ stopped: 1, deleted: 0 });
    h.clock.advance(20 * MIN);
    expect((await sweep()).orphans.deleted).toBe(0);
    expect(h.backend.resource(ghost)).toBeDefined();
    h.clock.advance(11 * MIN);

    expect((await sweep()).orphans.deleted).toBe(1);
    expect(h.backend.resource(ghost)).toBeUndefined();
  });

  it('with orphanAction report, only reports, once', async () => {
    const h = makeHarness({ settings: QUIET });
    const sweep = () => runSweep(h.ctx, { settings: { orphanAction: 'report' } });
    await createReady(h, { name: 'w1' });
    const ghost = await plantOrphan(h, 'ghost');
    await sweep();
    h.clock.advance(31 * MIN);
    expect((await sweep()).orphans).toMatchObject({ reported: 1, stopped: 0 });
    h.clock.advance(MIN);
    expect((await sweep()).orphans.reported).toBe(0);
    expect(running(h, ghost)).toBe(true);
  });

  it('acts on at most maxOrphanActionsPerRun orphans per run', async () => {
    const h = makeHarness({ settings: QUIET });
    const settings: Partial<SweeperSettings> = { maxOrphanActionsPerRun: 5 };
    await createReady(h, { name: 'w1' });
    for (let i = 0; i < 7; i++) await plantOrphan(h, `ghost-${i}`);
    await runSweep(h.ctx, { settings });
    h.clock.advance(31 * MIN);
    expect((await runSweep(h.ctx, { settings })).orphans.stopped).toBe(5);
    h.clock.advance(MIN);
    expect((await runSweep(h.ctx, { settings })).orphans.stopped).toBe(2);
  });

  it('leaves alone a candidate whose record turns up before the grace ends (a record restored or landed late)', async () => {
    const h = makeHarness({ settings: QUIET });
    const template = await createReady(h, { name: 'w1' });
    const { deployment_id } = await h.ctx.deployment();
    const uid = crypto.randomUUID();
    const resourceName = resourceNameFor(deployment_id, 'late', uid);
    await h.backend.create({
      name: 'late',
      uid,
      deploymentId: deployment_id,
      resourceName,
      image: 'i',
      env: {},
      labels: {},
    });
    expect((await runSweep(h.ctx)).orphans.candidates).toBe(1);
    const record = { ...template, name: 'late', uid, backend_ref: { resource_name: resourceName } };
    await h.store.put(layout.worker('late'), JSON.stringify(record));
    h.clock.advance(31 * MIN);

    const report = await runSweep(h.ctx);

    expect(report.orphans).toMatchObject({ candidates: 0, stopped: 0 });
    expect(running(h, resourceName)).toBe(true);
  });
});

describe('drift of known workers', () => {
  it('flags a resource that runs while its record sleeps', async () => {
    // The failure this catches: an abandoned round (or anything else) started a worker's container after the
    // worker was slept. The record matched the resource's uid, so the inventory saw nothing wrong.
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1' });
    await h.service.sleep('w1', MANAGER);
    const resource = h.backend.allResources()[0]!;
    expect(resource.running).toBe(false);
    await h.backend.start(resource.ref);

    const report = await runSweep(h.ctx);

    expect(report.drift).toEqual({ running_not_awake: 1, misnamed: 0 });
  });

  it("flags a resource that carries a worker's uid under a name that is not the record's", async () => {
    // The failure this catches: an update killed midway left a second container of the worker under its
    // successor's name; matched by uid alone, it looked like the worker's own resource.
    const h = makeHarness({ settings: QUIET });
    const record = await createReady(h, { name: 'w1' });
    const own = h.backend.allResources()[0]!;
    await h.backend.create({ ...own.spec, resourceName: `${own.ref.resourceName}-next`, uid: record.uid });

    const report = await runSweep(h.ctx);

    expect(report.drift).toEqual({ running_not_awake: 0, misnamed: 1 });
  });
});

describe('reconcile safety', () => {
  it('reconciles nothing when the store has no workers but the inventory has resources of this deployment', async () => {
    const h = makeHarness({ settings: QUIET });
    const ghosts = [await plantOrphan(h, 'a'), await plantOrphan(h, 'b')];
    for (let i = 0; i < 4; i++) {
      const report = await runSweep(h.ctx);
      expect(report.orphans).toMatchObject({ candidates: 0, stopped: 0, deleted: 0 });
      expect(report.problems.join('\n')).toContain('the store has no workers');
      h.clock.advance(31 * MIN);
    }
    expect(ghosts.map((g) => running(h, g))).toEqual([true, true]);
  });

  it('never touches resources tagged with another deployment', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1' });
    const foreign = await plantOrphan(h, 'theirs', 'dother000001');
    for (let i = 0; i < 4; i++) {
      expect((await runSweep(h.ctx)).orphans.candidates).toBe(0);
      h.clock.advance(31 * MIN);
    }
    expect(running(h, foreign)).toBe(true);
  });

  it('reconciles nothing while meta/deployment.json is missing, and never creates it', async () => {
    const h = makeHarness({ settings: QUIET });
    await createReady(h, { name: 'w1' });
    const ghost = await plantOrphan(h, 'ghost');
    await h.store.delete(layout.deployment);
    for (let i = 0; i < 3; i++) {
      const report = await runSweep(h.ctx);
      expect(report.problems.join('\n')).toContain('meta/deployment.json');
      h.clock.advance(31 * MIN);
    }
    expect(running(h, ghost)).toBe(true);
    expect(await h.store.get(layout.deployment)).toBeNull();
  });
});
