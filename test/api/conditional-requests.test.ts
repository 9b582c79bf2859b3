/**
 * `ETag`, `If-Match` and `If-None-Match: *` on workers: a request made on a stale read is 412 and changes nothing,
 * and the comparison happens inside the conditional write (concurrent writers with one ETag: exactly one wins).
 */
import { describe, expect, it } from 'vitest';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

type Harness = Awaited<ReturnType<typeof makeApp>>;

async function send(
  h: Pick<Harness, 'app'>,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${MANAGER_KEY}`, ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await h.app.request(path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function readyWorker(name: string) {
  const h = await makeApp();
  const created = await send(h, 'POST', '/workers', { body: { name } });
  await reportReady(h, name, created.json.api_key);
  return h;
}

const etagOf = async (h: Harness, name: string) =>
  (await send(h, 'GET', `/workers/${name}`)).headers.get('etag')!;

describe('ETag', () => {
  it('is strong and quoted, from the generation and write id, and every answer that returns a worker carries it', async () => {
    const h = await makeApp();
    const created = await send(h, 'POST', '/workers', { body: { name: 'tagged' } });
    const createdTag = created.headers.get('etag');
    expect(createdTag).toMatch(/^"\d+\.[0-9a-f-]{36}"$/);
    await reportReady(h, 'tagged', created.json.api_key);
    const read = await send(h, 'GET', '/workers/tagged');
    const tag = read.headers.get('etag')!;
    expect(tag.startsWith(`"${read.json.generation}.`)).toBe(true);
    // The ready report wrote the record: a new version.
    expect(tag).not.toBe(createdTag);
    // A read changes nothing: the same version again.
    expect(await etagOf(h, 'tagged')).toBe(tag);
    const patched = await send(h, 'PATCH', '/workers/tagged', { body: { labels: { a: 'b' } } });
    expect(patched.headers.get('etag')).not.toBe(tag);
    expect(patched.headers.get('etag')).toBe(await etagOf(h, 'tagged'));
    for (const path of ['/workers/tagged/sleep', '/workers/tagged/wake', '/workers/tagged/keys']) {
      expect((await send(h, 'POST', path)).headers.get('etag')).toMatch(/^"\d+\./);
    }
  });
});

describe('If-Match', () => {
  it('a PATCH on a stale ETag is 412 precondition_failed and changes nothing; on the current one it applies', async () => {
    const h = await readyWorker('patchy');
    const stale = await etagOf(h, 'patchy');
    await send(h, 'PATCH', '/workers/patchy', { body: { labels: { by: 'other' } } });
    const refused = await send(h, 'PATCH', '/workers/patchy', {
      headers: { 'if-match': stale },
      body: { labels: { by: 'me' } },
    });
    expect(refused.status).toBe(412);
    expect(refused.json.code).toBe('precondition_failed');
    expect((await send(h, 'GET', '/workers/patchy')).json.labels.by).toBe('other');
    const current = await etagOf(h, 'patchy');
    const applied = await send(h, 'PATCH', '/workers/patchy', {
      headers: { 'if-match': `"nope", ${current}` },
      body: { labels: { by: 'me' } },
    });
    expect(applied.status).toBe(200);
    expect(applied.json.labels.by).toBe('me');
  });

  it('wake, sleep, ensure-ready and key rotation on a stale ETag are 412 and leave the backend alone', async () => {
    const h = await readyWorker('acts');
    const stale = await etagOf(h, 'acts');
    await send(h, 'PATCH', '/workers/acts', { body: { labels: { moved: 'yes' } } });
    const changes = () => h.backend.calls.filter((c) => c.step !== 'status' && c.step !== 'list').length;
    const before = changes();
    for (const path of ['/workers/acts/sleep', '/workers/acts/stop', '/workers/acts/keys']) {
      const answer = await send(h, 'POST', path, { headers: { 'if-match': stale } });
      expect(answer.status, path).toBe(412);
    }
    expect(changes()).toBe(before);
    expect((await send(h, 'GET', '/workers/acts')).json.phase).toBe('ready');
    await send(h, 'POST', '/workers/acts/sleep');
    const asleep = await etagOf(h, 'acts');
    await send(h, 'PATCH', '/workers/acts', { body: { labels: { moved: 'again' } } });
    const slept = changes();
    for (const path of ['/workers/acts/wake', '/workers/acts/ensure-ready?timeout_seconds=0']) {
      expect((await send(h, 'POST', path, { headers: { 'if-match': asleep } })).status, path).toBe(412);
    }
    expect(changes()).toBe(slept);
    expect((await send(h, 'GET', '/workers/acts')).json.desired).toBe('sleeping');
    const woke = await send(h, 'POST', '/workers/acts/wake', {
      headers: { 'if-match': await etagOf(h, 'acts') },
    });
    expect(woke.status).toBe(202);
  });

  it('DELETE on a stale ETag is 412 and the worker stays; on a missing worker it is 412, not 204', async () => {
    const h = await readyWorker('keep');
    const stale = await etagOf(h, 'keep');
    await send(h, 'PATCH', '/workers/keep', { body: { labels: { x: 'y' } } });
    expect((await send(h, 'DELETE', '/workers/keep', { headers: { 'if-match': stale } })).status).toBe(412);
    expect((await send(h, 'GET', '/workers/keep')).json.desired).toBe('running');
    const current = await etagOf(h, 'keep');
    expect((await send(h, 'DELETE', '/workers/keep', { headers: { 'if-match': current } })).status).toBe(204);
    expect((await send(h, 'DELETE', '/workers/keep', { headers: { 'if-match': current } })).status).toBe(412);
    expect((await send(h, 'DELETE', '/workers/keep')).status).toBe(204);
  });

  it('concurrent PATCHes with one ETag: exactly one applies, the others are 412 (checked inside the write)', async () => {
    const h = await readyWorker('contended');
    const tag = await etagOf(h, 'contended');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        send(h, 'PATCH', '/workers/contended', {
          headers: { 'if-match': tag },
          body: { labels: { writer: String(i) } },
        }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(7);
    expect((await send(h, 'GET', '/workers/contended')).json.labels.writer).toBe(
      winners[0]!.json.labels.writer,
    );
  });

  it('a weak ETag never matches (412); a malformed header is 400 naming it; * adds no condition', async () => {
    const h = await readyWorker('forms');
    const tag = await etagOf(h, 'forms');
    const weak = await send(h, 'PATCH', '/workers/forms', {
      headers: { 'if-match': `W/${tag}` },
      body: { labels: {} },
    });
    expect(weak.status).toBe(412);
    const bad = await send(h, 'PATCH', '/workers/forms', { headers: { 'if-match': 'unquoted' }, body: {} });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('If-Match');
    expect(
      (await send(h, 'PATCH', '/workers/forms', { headers: { 'if-match': '*' }, body: {} })).status,
    ).toBe(200);
  });
});

describe('ensure-ready with If-Match', () => {
  it('wakes once, conditionally: a sleep recorded by another client while the wake is driven (a slow fake backend) stands', async () => {
    const h = await readyWorker('contested');
    await send(h, 'POST', '/workers/contested/sleep');
    const tag = await etagOf(h, 'contested');
    // The in-process fake backend holds the start until released: the conditional wake is being driven.
    h.backend.behave('start', { hang: true, times: 1 });
    const ensuring = send(h, 'POST', '/workers/contested/ensure-ready?timeout_seconds=2', {
      headers: { 'if-match': tag },
    });
    for (let i = 0; i < 200 && !h.backend.calls.some((call) => call.step === 'start'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(h.backend.calls.some((call) => call.step === 'start')).toBe(true);
    // Another client sleeps the worker meanwhile: its intent is recorded while the wake holds the lease.
    const slept = await send(h, 'POST', '/workers/contested/sleep');
    expect(slept.status).toBe(202);
    h.backend.release();
    const answer = await ensuring;
    expect(answer.status).toBe(202);
    // The later sleep is what the worker is meant to be: ensure-ready did not wake it a second time over it.
    expect((await send(h, 'GET', '/workers/contested')).json.desired).toBe('sleeping');
  });
});

describe('If-None-Match: * on create', () => {
  it('creates a new worker (201) and refuses an existing one with 412 instead of the identical-spec 200', async () => {
    const h = await makeApp();
    const headers = { 'if-none-match': '*' };
    expect((await send(h, 'POST', '/workers', { headers, body: { name: 'fresh' } })).status).toBe(201);
    const again = await send(h, 'POST', '/workers', { headers, body: { name: 'fresh' } });
    expect(again.status).toBe(412);
    expect(again.json.code).toBe('precondition_failed');
    expect((await send(h, 'POST', '/workers', { body: { name: 'fresh' } })).status).toBe(200);
    expect(
      (await send(h, 'POST', '/workers', { headers: { 'if-none-match': '"x"' }, body: { name: 'other' } }))
        .status,
    ).toBe(400);
  });
});
