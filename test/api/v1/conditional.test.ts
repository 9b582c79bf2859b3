/**
 * `ETag` and `If-Match` on HiClaw's `/api/v1` worker routes: GET says the worker's version, and a PUT, wake or
 * sleep made on a stale read is 412 and changes nothing, as on the orchestrator's own routes.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER_KEY, makeApp } from '../../support/app-harness';

type Harness = Awaited<ReturnType<typeof makeApp>>;

async function send(h: Harness, method: string, path: string, ifMatch?: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${MANAGER_KEY}` };
  if (ifMatch !== undefined) headers['if-match'] = ifMatch;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await h.app.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), json: text ? JSON.parse(text) : undefined };
}

async function withWorker(name: string) {
  const h = await makeApp();
  expect((await send(h, 'POST', '/api/v1/workers', undefined, { name, model: 'm1' })).status).toBe(201);
  return h;
}

const etagOf = async (h: Harness, name: string) => (await send(h, 'GET', `/api/v1/workers/${name}`)).etag!;

describe('/api/v1 ETag', () => {
  it('GET, PUT, wake and sleep answer with the worker version, the same one a later GET gives', async () => {
    const h = await withWorker('tagged');
    expect(await etagOf(h, 'tagged')).toMatch(/^"\d+\.[0-9a-f-]{36}"$/);
    for (const [method, path, body] of [
      ['PUT', '/api/v1/workers/tagged', { model: 'm2' }],
      ['POST', '/api/v1/workers/tagged/sleep', undefined],
      ['POST', '/api/v1/workers/tagged/wake', undefined],
    ] as const) {
      const answer = await send(h, method, path, undefined, body);
      expect(answer.status, path).toBe(200);
      expect(answer.etag, path).toBe(await etagOf(h, 'tagged'));
    }
  });
});

describe('/api/v1 If-Match', () => {
  it('a PUT on a stale ETag is 412 and changes nothing; on the current one it applies', async () => {
    const h = await withWorker('put');
    const stale = await etagOf(h, 'put');
    await send(h, 'PUT', '/api/v1/workers/put', undefined, { model: 'by-other' });
    const refused = await send(h, 'PUT', '/api/v1/workers/put', stale, { model: 'by-me', state: 'Sleeping' });
    expect(refused.status).toBe(412);
    const after = (await send(h, 'GET', '/api/v1/workers/put')).json;
    expect(after.model).toBe('by-other');
    expect(after.state).toBe('Running');
    const applied = await send(h, 'PUT', '/api/v1/workers/put', await etagOf(h, 'put'), {
      model: 'by-me',
      state: 'Sleeping',
    });
    expect(applied.status).toBe(200);
    expect(applied.json.model).toBe('by-me');
    expect(applied.json.state).toBe('Sleeping');
  });

  it('a PUT that changes nothing still checks the ETag: stale is 412, current is 200', async () => {
    const h = await withWorker('same');
    const stale = await etagOf(h, 'same');
    await send(h, 'PUT', '/api/v1/workers/same', undefined, { model: 'm2' });
    expect((await send(h, 'PUT', '/api/v1/workers/same', stale, { model: 'm2' })).status).toBe(412);
    const current = await etagOf(h, 'same');
    const unchanged = await send(h, 'PUT', '/api/v1/workers/same', current, { model: 'm2' });
    expect(unchanged.status).toBe(200);
    expect(unchanged.etag).toBe(current);
  });

  it('wake and sleep on a stale ETag are 412 and leave the worker as it was', async () => {
    const h = await withWorker('verbs');
    const stale = await etagOf(h, 'verbs');
    await send(h, 'PUT', '/api/v1/workers/verbs', undefined, { model: 'moved' });
    expect((await send(h, 'POST', '/api/v1/workers/verbs/sleep', stale)).status).toBe(412);
    expect((await send(h, 'GET', '/api/v1/workers/verbs')).json.state).toBe('Running');
    expect((await send(h, 'POST', '/api/v1/workers/verbs/sleep', await etagOf(h, 'verbs'))).status).toBe(200);
    const asleep = await etagOf(h, 'verbs');
    await send(h, 'PUT', '/api/v1/workers/verbs', undefined, { model: 'again' });
    expect((await send(h, 'POST', '/api/v1/workers/verbs/wake', asleep)).status).toBe(412);
    expect((await send(h, 'GET', '/api/v1/workers/verbs')).json.state).toBe('Sleeping');
  });
});
