/**
 * Every answer carries `x-request-id`, and every request leaves exactly one structured log line that names the
 * request without repeating anything secret the caller sent.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import type { Logger } from '../../src/lifecycle';
import { MANAGER_KEY, makeApp } from '../support/app-harness';

type Line = { level: string; message: string; fields: Record<string, unknown> };

/** The harness's app, rebuilt over a logger that keeps its lines. */
async function loggedApp() {
  const h = await makeApp();
  const lines: Line[] = [];
  const keep =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const log: Logger = { info: keep('info'), warn: keep('warn'), error: keep('error') };
  (h.ctx as { log: Logger }).log = log;
  const app = createApp({ service: h.service });
  const send = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const key = init.key === undefined ? MANAGER_KEY : init.key;
    if (key) headers.set('authorization', `Bearer ${key}`);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    return app.request(path, { ...init, headers });
  };
  const requestLines = () => lines.filter((line) => line.message === 'request').map((line) => line.fields);
  return { h, lines, send, requestLines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the request id', () => {
  it('is generated when the caller sends none, on success, refusal and unknown route alike', async () => {
    const { send } = await loggedApp();
    for (const response of [
      await send('/healthz', { key: null }),
      await send('/workers', { key: null }),
      await send('/no-such-route'),
      await send('/workers', { method: 'POST', body: '{}', headers: { origin: 'https://evil.example' } }),
    ]) {
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('honours a plain incoming id and replaces one that could smuggle text into a log', async () => {
    const { send, requestLines } = await loggedApp();
    const kept = await send('/healthz', { key: null, headers: { 'x-request-id': 'gw-abc_123=' } });
    expect(kept.headers.get('x-request-id')).toBe('gw-abc_123=');
    for (const bad of ['has space', 'a"b', 'x'.repeat(129), 'ü-nicode']) {
      const replaced = await send('/healthz', { key: null, headers: { 'x-request-id': bad } });
      expect(replaced.headers.get('x-request-id')).toMatch(UUID);
    }
    expect(requestLines().map((line) => line.request_id)).toContain('gw-abc_123=');
    expect(JSON.stringify(requestLines())).not.toContain('has space');
  });
});

describe('the request id, when it may be a secret', () => {
  it("replaces an id shaped like a key, or the caller's own bearer token, rather than log it", async () => {
    const { send, requestLines } = await loggedApp();
    const created = await send('/workers', { method: 'POST', body: JSON.stringify({ name: 'alice' }) });
    const { api_key } = (await created.json()) as { api_key: string };
    const workerKeyAsId = await send('/healthz', { key: null, headers: { 'x-request-id': api_key } });
    expect(workerKeyAsId.headers.get('x-request-id')).toMatch(UUID);
    const hexAsId = await send('/healthz', { key: null, headers: { 'x-request-id': 'f'.repeat(40) } });
    expect(hexAsId.headers.get('x-request-id')).toMatch(UUID);
    const ownToken = await send('/workers/alice', { headers: { 'x-request-id': MANAGER_KEY } });
    expect(ownToken.status).toBe(200);
    expect(ownToken.headers.get('x-request-id')).toMatch(UUID);
    const logged = JSON.stringify(requestLines());
    expect(logged).not.toContain(api_key);
    expect(logged).not.toContain(MANAGER_KEY);
  });
});

describe('the log line of a request', () => {
  it("names a worker on worker routes only: a team route's {name} is a team", async () => {
    const { send, requestLines } = await loggedApp();
    await send('/api/v1/teams/research');
    const [line] = requestLines();
    expect(line).toMatchObject({ route: '/api/v1/teams/{name}' });
    expect(line).not.toHaveProperty('worker');
  });

  it('is one line per request: method, route pattern, status, duration, caller kind, worker and id', async () => {
    const { send, requestLines } = await loggedApp();
    const created = await send('/workers', { method: 'POST', body: JSON.stringify({ name: 'alice' }) });
    expect(created.status).toBe(201);
    const { api_key } = (await created.json()) as { api_key: string };
    const read = await send('/workers/alice');
    await send('/workers/alice/ready', { method: 'POST', key: api_key, body: '{}' });
    await send('/workers/bob', { key: null });
    await send('/nowhere');

    const logged = requestLines();
    expect(logged).toHaveLength(5);
    expect(logged[0]).toEqual({
      request_id: created.headers.get('x-request-id'),
      method: 'POST',
      route: '/workers',
      status: 201,
      duration_ms: expect.any(Number),
      caller: 'manager',
    });
    expect(logged[1]).toMatchObject({
      request_id: read.headers.get('x-request-id'),
      method: 'GET',
      route: '/workers/{name}',
      status: 200,
      caller: 'manager',
      worker: 'alice',
    });
    expect(logged[2]).toMatchObject({ route: '/workers/{name}/ready', caller: 'worker', worker: 'alice' });
    expect(logged[3]).toMatchObject({
      route: '/workers/{name}',
      status: 401,
      caller: 'public',
      worker: 'bob',
    });
    // No route, so no key was checked: the caller is not known to be anyone.
    expect(logged[4]).toMatchObject({ method: 'GET', route: null, status: 404, caller: 'public' });
  });

  it('never carries a key, a token, a body, a query string or a path the route did not match', async () => {
    const { send, lines } = await loggedApp();
    const created = await send('/workers', {
      method: 'POST',
      body: JSON.stringify({ name: 'carol', env: { OPENAI_API_KEY: 'sk-body-secret-value-123' } }),
    });
    const { api_key } = (await created.json()) as { api_key: string };
    await send('/workers/carol', { key: api_key });
    await send('/workers?cursor=query-secret-value-456', { key: 'wok_unknown_0123456789abcdef' });
    await send('/workers/NOT_A-name!', { key: null });
    await send('/secret-path-segment-789');

    const everything = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const secret of [
      MANAGER_KEY,
      api_key,
      'sk-body-secret-value-123',
      'query-secret-value-456',
      'wok_unknown_0123456789abcdef',
      'NOT_A-name!',
      'secret-path-segment-789',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
