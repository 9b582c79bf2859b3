/**
 * What the cloud backend tests share: a fresh deployment id, a worker spec as the lifecycle would build it, a
 * bounded poll that asserts on values (never on time), and the error a promise settles with.
 */
import { resourceNameFor, type WorkerSpec } from '../../src/backends/port';

/** A worker key of the real shape, for specs handed straight to an adapter. */
export const TEST_WORKER_KEY = 'hiclaw_wk_0123456789abcdef0123456789abcdef';

/** A deployment id of its own, so tests sharing one fake account never see each other's resources. */
export const newDeployment = () => `d${crypto.randomUUID().replace(/-/g, '').slice(0, 7)}`;

/** A spec for a new incarnation (fresh uid and name) of a worker running `image`. */
export function workerSpecFor(
  deploymentId: string,
  image: string,
  overrides: Partial<WorkerSpec> = {},
): WorkerSpec {
  const uid = crypto.randomUUID();
  const name = `w${uid.slice(0, 6)}`;
  return {
    name,
    uid,
    deploymentId,
    resourceName: resourceNameFor(deploymentId, name, uid),
    image,
    env: { HICLAW_WORKER_NAME: name, HICLAW_WORKER_API_KEY: TEST_WORKER_KEY, GREETING: 'one' },
    labels: {},
    ...overrides,
  };
}

/** Poll until `accept` holds (bounded); the assertion is on the value, never on how long it took. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  limitMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition never held; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The error `promise` rejects with, or `undefined` when it resolves. */
export const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
