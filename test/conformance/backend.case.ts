/**
 * The behaviour every `WorkerBackend` adapter must show, run against Docker (a real engine), the
 * FakeBackend, and protocol-level fakes of SAE and ECS.
 *
 * Cloud backends change state asynchronously, so no case assumes a change is visible at once: every expectation
 * about state polls `status` (or `list`) with `eventually`, which gives up after a bound and reports the last
 * thing it saw. Each case uses its own worker names, so cases share one fixture; everything created is deleted in
 * `afterAll`, before the fixture's own `cleanup`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendInstance,
  type BackendRef,
  type BackendStatus,
  type InventoryItem,
  resourceNameFor,
  type WorkerBackend,
  type WorkerSpec,
} from '../../src/backends/port';
import { BackendRejectedError } from '../../src/errors';

export interface BackendFixture {
  backend: WorkerBackend;
  image: string;
  missingImage: string;
  deploymentId: string;
  cleanup?: () => Promise<void>;
}

/** Long enough for an emulated change order or a container start; short of the case timeout below. */
const EVENTUALLY_MS = 45_000;
const CASE_TIMEOUT_MS = 120_000;

/** Polls `read` until `accept` holds; fails after `EVENTUALLY_MS` showing the last value read. */
const eventually = async <T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
): Promise<T> => {
  const deadline = Date.now() + EVENTUALLY_MS;
  let delay = 50;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 1_000);
  }
  const seen = lastError === undefined ? JSON.stringify(last) : String(lastError);
  throw new Error(`timed out waiting until ${what}; last seen: ${seen}`);
};

const runningWithOne = (status: BackendStatus): boolean =>
  status.state === 'running' && status.instances.length === 1;

const isNewInstance = (after: BackendInstance, before: BackendInstance): boolean =>
  after.id !== before.id || after.startedAt > before.startedAt;

/** Pages through `list` with a small page size, so the cursor is exercised too. */
const listAll = async (backend: WorkerBackend): Promise<{ items: InventoryItem[]; pages: number }> => {
  const items: InventoryItem[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await backend.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
    items.push(...page.items);
    cursor = page.cursor;
    pages++;
    if (pages > 500) throw new Error('list never ended: the cursor does not advance');
  } while (cursor !== undefined);
  return { items, pages };
};

export function runBackendConformance(label: string, setup: () => Promise<BackendFixture>): void {
  describe(`${label} honours the backend contract`, () => {
    let fx: BackendFixture;
    const created: { backend: WorkerBackend; ref: BackendRef }[] = [];
    let seq = 0;

    /** A fresh worker spec: its own name and uid, the fixture's image, a user label and a small env. */
    const newSpec = (
      tag: string,
      overrides: Partial<WorkerSpec> = {},
      deploymentId = fx.deploymentId,
    ): WorkerSpec => {
      const uid = crypto.randomUUID();
      const name = `cf-${tag}-${(++seq).toString(36)}${uid.slice(0, 4)}`;
      return {
        name,
        uid,
        deploymentId,
        resourceName: resourceNameFor(deploymentId, name, uid),
        image: fx.image,
        env: { HICLAW_WORKER_NAME: name, CONFORMANCE_GREETING: 'one' },
        labels: { suite: 'conformance' },
        ...overrides,
      };
    };

    const createTracked = async (spec: WorkerSpec, backend = fx.backend) => {
      created.push({ backend, ref: { resourceName: spec.resourceName } });
      return backend.create(spec);
    };

    const statusOf =
      (spec: WorkerSpec, backend = fx.backend) =>
      () =>
        backend.status({ resourceName: spec.resourceName });

    const untilRunning = (spec: WorkerSpec, backend = fx.backend) =>
      eventually(`${spec.resourceName} runs one instance`, statusOf(spec, backend), runningWithOne);

    beforeAll(async () => {
      fx = await setup();
    });

    afterAll(async () => {
      for (const { backend, ref } of created) await backend.delete(ref).catch(() => undefined);
      await fx?.cleanup?.();
    });

    it('reports itself healthy', async () => {
      const health = await fx.backend.health();
      expect(health.ok, health.message).toBe(true);
      expect(health.message).not.toBe('');
    });

    it('create starts the worker: status shows it running with exactly one instance', async () => {
      const spec = newSpec('create');
      const { ref } = await createTracked(spec);
      expect(ref.resourceName).toBe(spec.resourceName);
      const status = await untilRunning(spec);
      const [instance] = status.instances;
      expect(instance!.id).toEqual(expect.any(String));
      expect(instance!.id).not.toBe('');
      expect(Number.isFinite(instance!.startedAt) && instance!.startedAt > 0).toBe(true);
      expect(status.raw).not.toBe('');
    });

    it(
      'create is idempotent for the same uid: same ref, one resource, and a stopped one is started again',
      async () => {
        const spec = newSpec('idem');
        const first = await createTracked(spec);
        await untilRunning(spec);
        const second = await fx.backend.create(spec);
        expect(second.ref.resourceName).toBe(first.ref.resourceName);
        if (first.ref.id !== undefined && second.ref.id !== undefined)
          expect(second.ref.id).toBe(first.ref.id);
        await untilRunning(spec);

        // A re-driven create after the worker stopped adopts the resource and starts it.
        await fx.backend.stop(first.ref);
        await eventually('it stopped', statusOf(spec), (s) => s.state === 'stopped');
        const third = await fx.backend.create(spec);
        expect(third.ref.resourceName).toBe(spec.resourceName);
        await untilRunning(spec);

        const { items } = await listAll(fx.backend);
        expect(items.filter((item) => item.ref.resourceName === spec.resourceName)).toHaveLength(1);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'create refuses a resource name held by another uid (name_taken) and leaves the holder alone',
      async () => {
        const holder = newSpec('taken');
        await createTracked(holder);
        await untilRunning(holder);
        const intruder = { ...holder, uid: crypto.randomUUID(), env: { CONFORMANCE_GREETING: 'intruder' } };
        const error = await fx.backend.create(intruder).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BackendRejectedError);
        expect((error as BackendRejectedError).code).toBe('name_taken');
        await untilRunning(holder);
        const listed = await eventually(
          'the holder is listed',
          () => listAll(fx.backend),
          ({ items }) => items.some((i) => i.ref.resourceName === holder.resourceName),
        );
        expect(listed.items.find((i) => i.ref.resourceName === holder.resourceName)!.uid).toBe(holder.uid);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'stop leaves the worker stopped with no running instance, and stopping again succeeds',
      async () => {
        const spec = newSpec('stop');
        const { ref } = await createTracked(spec);
        await untilRunning(spec);
        await fx.backend.stop(ref);
        const stopped = await eventually('it stopped', statusOf(spec), (s) => s.state === 'stopped');
        expect(stopped.instances).toEqual([]);
        await fx.backend.stop(ref);
        const still = await fx.backend.status(ref);
        expect(still.state).toBe('stopped');
        expect(still.instances).toEqual([]);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'start after stop runs a new instance; starting a running worker changes nothing',
      async () => {
        const spec = newSpec('start');
        const { ref } = await createTracked(spec);
        const before = (await untilRunning(spec)).instances[0]!;
        await fx.backend.stop(ref);
        await eventually(
          'it stopped',
          statusOf(spec),
          (s) => s.state === 'stopped' && s.instances.length === 0,
        );
        await fx.backend.start(ref);
        const after = (await untilRunning(spec)).instances[0]!;
        expect(isNewInstance(after, before), `${JSON.stringify(after)} vs ${JSON.stringify(before)}`).toBe(
          true,
        );

        await fx.backend.start(ref);
        const again = await untilRunning(spec);
        expect(again.instances[0]).toEqual(after);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'update keeps the resource name and rolls the worker onto the new spec',
      async () => {
        const spec = newSpec('update');
        const { ref } = await createTracked(spec);
        const before = (await untilRunning(spec)).instances[0]!;
        const next = { ...spec, env: { ...spec.env, CONFORMANCE_GREETING: 'two' } };
        const updated = await fx.backend.update(ref, next);
        expect(updated.ref.resourceName).toBe(spec.resourceName);
        const after = await eventually(
          'a new instance runs',
          statusOf(spec),
          (s) => runningWithOne(s) && isNewInstance(s.instances[0]!, before),
        );
        expect(after.state).toBe('running');
        const { items } = await listAll(fx.backend);
        const mine = items.filter((item) => item.ref.resourceName === spec.resourceName);
        expect(mine).toHaveLength(1);
        expect(mine[0]!.uid).toBe(spec.uid);
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'delete makes the resource not_found, and deleting again succeeds',
      async () => {
        const spec = newSpec('delete');
        const { ref } = await createTracked(spec);
        await untilRunning(spec);
        await fx.backend.delete(ref);
        const gone = await eventually('it is gone', statusOf(spec), (s) => s.state === 'not_found');
        expect(gone.instances).toEqual([]);
        await fx.backend.delete(ref);
        await fx.backend.delete({ resourceName: spec.resourceName });
        const { items } = await listAll(fx.backend);
        expect(items.map((item) => item.ref.resourceName)).not.toContain(spec.resourceName);
      },
      CASE_TIMEOUT_MS,
    );

    it('status of a resource that was never created is not_found', async () => {
      const spec = newSpec('never');
      const status = await fx.backend.status({ resourceName: spec.resourceName });
      expect(status.state).toBe('not_found');
      expect(status.instances).toEqual([]);
    });

    it(
      "list pages through this deployment's resources with their worker name and uid, and excludes another deployment's",
      async () => {
        const ours = [newSpec('list'), newSpec('list'), newSpec('list')];
        for (const spec of ours) await createTracked(spec);
        // A second fixture is a second deployment on the same engine/account (setup gives each a unique id).
        const other = await setup();
        expect(other.deploymentId).not.toBe(fx.deploymentId);
        const theirs = newSpec('other', { image: other.image }, other.deploymentId);
        try {
          await createTracked(theirs, other.backend);
          await eventually(
            'the other deployment lists its worker',
            () => listAll(other.backend),
            ({ items }) => items.some((i) => i.ref.resourceName === theirs.resourceName),
          );
          const { items, pages } = await eventually(
            'all of ours are listed',
            () => listAll(fx.backend),
            ({ items }) => ours.every((spec) => items.some((i) => i.ref.resourceName === spec.resourceName)),
          );
          expect(pages).toBeGreaterThan(1);
          for (const spec of ours) {
            const item = items.find((i) => i.ref.resourceName === spec.resourceName)!;
            expect(item).toMatchObject({
              workerName: spec.name,
              uid: spec.uid,
              deploymentId: fx.deploymentId,
            });
          }
          expect(items.map((i) => i.ref.resourceName)).not.toContain(theirs.resourceName);
          expect(items.every((i) => i.deploymentId === fx.deploymentId)).toBe(true);
          expect(new Set(items.map((i) => i.ref.resourceName)).size).toBe(items.length);
        } finally {
          await other.backend.delete({ resourceName: theirs.resourceName }).catch(() => undefined);
          await other.cleanup?.();
        }
      },
      CASE_TIMEOUT_MS,
    );

    it(
      'a missing image is rejected with BackendRejectedError naming the image, and leaves no resource',
      async () => {
        const spec = newSpec('missing', { image: fx.missingImage });
        const error = await createTracked(spec).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BackendRejectedError);
        expect((error as BackendRejectedError).field).toBe('image');
        await eventually('nothing is left', statusOf(spec), (s) => s.state === 'not_found');
        const { items } = await listAll(fx.backend);
        expect(items.map((i) => i.ref.resourceName)).not.toContain(spec.resourceName);
      },
      CASE_TIMEOUT_MS,
    );
  });
}
