/**
 * The slice of the API suite every platform's entries run, written once against a platform-neutral invoker: the
 * AWS test builds API Gateway v2 / EventBridge events, the FC test FC HTTP-trigger / timer events, and both hand
 * this file a `call` that turns (function, method, path, key, body) into that platform's event and back.
 */
import { expect } from 'vitest';

export type HttpFunction = 'lifecycle' | 'credentials';

export interface CallResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
  json: any;
  headers: Record<string, string>;
}

export type Call = (
  fn: HttpFunction,
  method: string,
  path: string,
  options?: { key?: string | null; body?: unknown },
) => Promise<CallResult>;

export const MANAGER_KEY = 'entry-test-manager-key-0123456789';

/** Parses a platform's HTTP result (`{statusCode, headers, body, isBase64Encoded}` on both clouds). */
export function parseResult(result: unknown): CallResult {
  const r = result as {
    statusCode: number;
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
  };
  const text = r.body ? Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8').toString('utf8') : '';
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, json, headers: r.headers ?? {} };
}

/** Creates a worker on the fake backend and reports it ready with its own key; returns the key. */
export async function createReadyWorker(call: Call, name: string, extra: Record<string, unknown> = {}) {
  const created = await call('lifecycle', 'POST', '/workers', { body: { name, backend: 'fake', ...extra } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const key = created.json.api_key as string;
  expect(key).toMatch(new RegExp(`^wok_${name}_[0-9a-f]{64}$`));
  const ready = await call('lifecycle', 'POST', `/workers/${name}/ready`, { key, body: {} });
  expect(ready.status, JSON.stringify(ready.json)).toBe(204);
  return key;
}

/** create → get → list → ready → delete, through the lifecycle entry. */
export async function lifecycleSlice(call: Call, name: string): Promise<void> {
  const key = await createReadyWorker(call, name);

  const got = await call('lifecycle', 'GET', `/workers/${name}`);
  expect(got.status).toBe(200);
  expect(got.json).toMatchObject({ name, backend: 'fake', phase: 'ready', status: 'ready' });
  expect(got.json.api_key).toBeUndefined();

  const listed = await call('lifecycle', 'GET', '/workers?limit=10');
  expect(listed.status).toBe(200);
  expect(listed.json.workers.map((w: { name: string }) => w.name)).toContain(name);

  const beat = await call('lifecycle', 'POST', `/workers/${name}/ready`, { key, body: { busy: true } });
  expect(beat.status).toBe(204);

  const unauthenticated = await call('lifecycle', 'GET', `/workers/${name}`, { key: null });
  expect(unauthenticated.status).toBe(401);

  const deleted = await call('lifecycle', 'DELETE', `/workers/${name}`);
  expect(deleted.status).toBe(204);
  const gone = await call('lifecycle', 'GET', `/workers/${name}`);
  expect(gone.status).toBe(404);
  expect(gone.json).toMatchObject({ name, status: 'not_found' });
}
