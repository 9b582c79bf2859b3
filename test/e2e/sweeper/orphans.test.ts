/**
 * Orphans on the emulator and a real Docker engine (safety first): a container labelled for this
 * deployment that no record owns is stopped (the default `orphan_action`), but only once it has been seen and
 * found again at least `orphan_grace` later; never while the store holds no worker at all (a wiped or wrong store
 * must not make a fleet look orphaned); and a container of another deployment is never touched.
 *
 * The grace is a few seconds and the full-scan interval 1 s, so each triggered sweep runs an inventory pass.
 */
import { afterAll, expect, it } from 'vitest';
import { LABELS, resourceNameFor } from '../../../src/backends/port';
import { WORKER_IMAGE } from '../../support/docker-engine';
import {
  describeWithDocker,
  engine,
  inspectContainer,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const GRACE_SECONDS = 4;

/**
 * Starts a container the orchestrator did not create: our worker image with no orchestrator URL, so it just
 * naps. Labelled like a worker's container (as a create whose record was lost would leave behind).
 */
async function strayContainer(deploymentId: string, worker: string): Promise<string> {
  const uid = crypto.randomUUID();
  const name = `${resourceNameFor(deploymentId, worker, uid)}-stray`;
  const created = await engine(`/containers/create?name=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      Image: WORKER_IMAGE,
      Labels: { [LABELS.deployment]: deploymentId, [LABELS.worker]: worker, [LABELS.uid]: uid },
      HostConfig: { NetworkMode: 'host' },
    }),
  });
  expect(created.status).toBe(201);
  const { Id } = (await created.json()) as { Id: string };
  expect((await engine(`/containers/${Id}/start`, { method: 'POST' })).status).toBe(204);
  return Id;
}

const running = async (id: string) => (await inspectContainer(id))?.State.Running;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithDocker('orphans on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator({
    vars: { ORPHAN_GRACE_SECONDS: String(GRACE_SECONDS), SWEEP_FULL_SCAN_INTERVAL_SECONDS: '1' },
  });
  const foreign: string[] = [];

  afterAll(async () => {
    // The emulator removes its own deployment's containers; the other deployment's is ours to remove.
    for (const id of foreign) await engine(`/containers/${id}?force=1`, { method: 'DELETE' });
  });

  it('stops a labelled container without a record only after the grace, never while the store is empty', async () => {
    const stray = await strayContainer(emu.deploymentId, 'stray');
    const otherDeployment = await strayContainer('zz0ther', 'stray');
    foreign.push(otherDeployment);

    // The store holds no worker: however long the container has been there, nothing is reconciled.
    await emu.triggerSweep();
    await pause(GRACE_SECONDS * 1000 + 500);
    await emu.triggerSweep();
    await emu.triggerSweep();
    expect(await running(stray), 'no orphan action while the store holds no worker').toBe(true);

    const created = await emu.call('POST', '/workers', { body: { name: 'resident' } });
    expect(created.status).toBe(201);
    const resident = await until(
      () => emu.call('GET', '/workers/resident'),
      (reply) => reply.json.status === 'ready',
      'resident is ready',
    );

    // First sighting with a record in the store, then runs within the grace: the stray keeps running.
    const sightedBefore = Date.now();
    await emu.triggerSweep();
    await pause(1100);
    await emu.triggerSweep();
    expect(
      Date.now() - sightedBefore,
      'the runs inside the grace finished within it (test precondition)',
    ).toBeLessThan(GRACE_SECONDS * 1000);
    expect(await running(stray), 'not stopped before the grace').toBe(true);

    await pause(Math.max(0, sightedBefore + GRACE_SECONDS * 1000 + 250 - Date.now()));
    await until(
      async () => {
        await emu.triggerSweep();
        return running(stray);
      },
      (isRunning) => isRunning === false,
      'a sweep after the grace stopped the orphan',
    );

    // `stop` is reversible: the container is still there. The worker with a record and the other deployment's
    // container are untouched.
    expect(await inspectContainer(stray)).not.toBeNull();
    expect(await running(otherDeployment)).toBe(true);
    expect(await running(String(resident.json.container_id))).toBe(true);
    expect((await emu.call('GET', '/workers/resident')).json).toMatchObject({ phase: 'ready' });
    const listed = await emu.call('GET', '/workers');
    expect(listed.json.workers.map((worker: { name: string }) => worker.name)).toEqual(['resident']);
  }, 60_000);
});
