/**
 * A worker's whole life through the local emulator (miniflare hosting the functions, R2 state) on a real Docker
 * engine (issue 3, item 6): every step the API claims is checked against the engine itself. The API is driven
 * through the typed client (src/client), as an operator's script would drive it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unwrap } from '../../../src/client';
import { WORKER_IMAGE } from '../../support/docker-engine';
import {
  type ContainerFacts,
  containersOf,
  describeWithDocker,
  engine,
  envOf,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const runId = crypto.randomUUID().slice(0, 8);
// A second tag of the reference image, so the update really changes the image (no registry to pull from).
const NEXT_TAG = `e2e-${runId}`;
const NEXT_IMAGE = `orchestrator-test-worker:${NEXT_TAG}`;
const NAME = 'alice';

describeWithDocker('a worker on the emulator and a real Docker engine', probe, () => {
  const emu = useTestEmulator();
  let apiKey: string;
  let first: ContainerFacts;

  const path = { params: { path: { name: NAME } } };
  const worker = async () => unwrap(await emu.client.GET('/workers/{name}', path));
  const onlyContainer = async () => {
    const containers = await containersOf(emu.deploymentId, NAME);
    expect(containers).toHaveLength(1);
    return containers[0]!;
  };

  beforeAll(async () => {
    const tagged = await engine(`/images/${WORKER_IMAGE}/tag?repo=orchestrator-test-worker&tag=${NEXT_TAG}`, {
      method: 'POST',
    });
    expect(tagged.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await engine(`/images/${NEXT_IMAGE}`, { method: 'DELETE' });
  });

  it('create starts one labelled container carrying the key and URL, and the worker turns ready when it reports', async () => {
    const result = await emu.client.POST('/workers', {
      body: { name: NAME, env: { HEARTBEAT_INTERVAL_SECONDS: '1', GREETING: 'hello' } },
    });
    expect(result.response.status).toBe(201);
    const created = unwrap(result);
    apiKey = created.api_key!;
    expect(apiKey).toMatch(new RegExp(`^wok_${NAME}_[0-9a-f]{64}$`));

    first = await onlyContainer();
    expect(first.State.Running).toBe(true);
    expect(first.Config.Labels['orchestrator.uid']).toBe(created.uid);
    expect(envOf(first, 'HICLAW_WORKER_API_KEY')).toBe(apiKey);
    expect(envOf(first, 'HICLAW_ORCHESTRATOR_URL')).toBe(emu.emulator.workerUrl);
    expect(envOf(first, 'GREETING')).toBe('hello');

    const ready = await until(worker, (w) => w.status === 'ready', 'the worker is ready');
    expect(ready).toMatchObject({ phase: 'ready', container_id: first.Id, backend: 'docker' });
    expect(ready.ready_at).not.toBeNull();
    expect(JSON.stringify(ready)).not.toContain('hello');
  }, 40_000);

  it('sleep stops the container and the worker shows stopped', async () => {
    const slept = await emu.client.POST('/workers/{name}/stop', path);
    expect([200, 202]).toContain(slept.response.status);
    const sleeping = await until(worker, (w) => w.phase === 'sleeping', 'the worker is sleeping');
    expect(sleeping.status).toBe('stopped');
    const container = await onlyContainer();
    expect(container.Id).toBe(first.Id);
    expect(container.State.Running).toBe(false);
  }, 40_000);

  it('wake starts the same container again and the worker is ready again', async () => {
    const woken = await emu.client.POST('/workers/{name}/start', path);
    expect(woken.response.status).toBe(202);
    await until(worker, (w) => w.status === 'ready', 'the woken worker is ready');
    const container = await onlyContainer();
    expect(container.Id).toBe(first.Id);
    expect(container.State.Running).toBe(true);
    expect(Date.parse(container.State.StartedAt)).toBeGreaterThan(Date.parse(first.State.StartedAt));
  }, 40_000);

  it('PATCH of image and env recreates the container with the new env and a new key; the old key no longer counts', async () => {
    const patched = await emu.client.PATCH('/workers/{name}', {
      ...path,
      body: { image: NEXT_IMAGE, env: { GREETING: 'bonjour' } },
    });
    expect([200, 202]).toContain(patched.response.status);
    const ready = await until(
      async () => ({ worker: await worker(), containers: await containersOf(emu.deploymentId, NAME) }),
      ({ worker: w, containers }) =>
        w.status === 'ready' && containers.length === 1 && containers[0]!.Id !== first.Id,
      'the recreated worker is ready',
    );
    const next = ready.containers[0]!;
    expect(ready.worker).toMatchObject({ image: NEXT_IMAGE, container_id: next.Id });
    expect(next.Config.Image).toBe(NEXT_IMAGE);
    expect(envOf(next, 'GREETING')).toBe('bonjour');
    const newKey = envOf(next, 'HICLAW_WORKER_API_KEY')!;
    expect(newKey).toMatch(new RegExp(`^wok_${NAME}_[0-9a-f]{64}$`));
    expect(newKey).not.toBe(apiKey);
    expect(await inspectGone(first.Id)).toBe(true);

    // The old container's heartbeat (its key) is refused; the new container's is accepted.
    const report = (key: string) => emu.clientWith(key).POST('/workers/{name}/ready', { ...path, body: {} });
    expect((await report(apiKey)).response.status).toBe(401);
    expect((await report(newKey)).response.status).toBe(204);
  }, 40_000);

  it('delete removes the container and the record: GET answers 404 not_found', async () => {
    expect((await emu.client.DELETE('/workers/{name}', path)).response.status).toBe(204);
    await until(
      () => containersOf(emu.deploymentId, NAME),
      (list) => list.length === 0,
      'no container is left',
    );
    const gone = await emu.client.GET('/workers/{name}', path);
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ name: NAME, status: 'not_found' });
    const listed = unwrap(await emu.client.GET('/workers'));
    expect(listed.workers.map((w) => w.name)).not.toContain(NAME);
  }, 40_000);
});

const inspectGone = async (id: string) => (await engine(`/containers/${id}/json`)).status === 404;
