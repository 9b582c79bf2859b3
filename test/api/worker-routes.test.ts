/**
 * Behaviour of each manager route beyond the HiClaw basics: updates, rotation, ensure-ready, activity, listing,
 * lifetimes, failures that must leave nothing half-made.
 */
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/errors';
import { makeApp, reportReady } from '../support/app-harness';

async function readyWorker(name: string, body: Record<string, unknown> = {}) {
  const h = await makeApp();
  const created = await h.call('POST', '/workers', { body: { name, ...body } });
  await reportReady(h, name, created.json.api_key);
  return { h, key: created.json.api_key as string };
}

describe('PATCH /workers/{name}', () => {
  it('rolls an awake worker for env and image with a new key, and never for labels or policies', async () => {
    const { h, key } = await readyWorker('roll', { env: { A: '1', B: '2' } });
    const labels = await h.call('PATCH', '/workers/roll', {
      body: { labels: { team: 'x' }, idle_timeout_seconds: 60 },
    });
    expect(labels.status).toBe(200);
    expect(labels.json.phase).toBe('ready');
    expect(h.backend.calls.filter((c) => c.step === 'update')).toHaveLength(0);

    const rolled = await h.call('PATCH', '/workers/roll', {
      body: { image: 'img:v2', env: { A: '9', B: null } },
    });
    expect(rolled.status).toBe(202);
    expect(rolled.json.env_names).toEqual(['A']);
    const spec = h.backend.allResources()[0]!.spec;
    expect(spec.image).toBe('img:v2');
    expect(spec.env.A).toBe('9');
    expect(spec.env.B).toBeUndefined();
    expect(spec.env.HICLAW_WORKER_API_KEY).not.toBe(key);
    // The previous container's key no longer works; the new one does.
    expect((await reportReady(h, 'roll', key)).status).toBe(401);
    expect((await reportReady(h, 'roll', spec.env.HICLAW_WORKER_API_KEY!)).status).toBe(204);
    expect((await h.call('GET', '/workers/roll')).json.phase).toBe('ready');
  });

  it('a sleeping worker takes a new image at its next wake, not before', async () => {
    const { h } = await readyWorker('later');
    await h.call('POST', '/workers/later/sleep');
    const patched = await h.call('PATCH', '/workers/later', { body: { image: 'img:v3' } });
    expect(patched.json.phase).toBe('sleeping');
    expect(h.backend.allResources()[0]!.spec.image).not.toBe('img:v3');
    await h.call('POST', '/workers/later/wake');
    expect(h.backend.allResources()[0]!.spec.image).toBe('img:v3');
  });

  it('refuses the injected env names and a TTL together with expires_at, naming the field', async () => {
    const { h } = await readyWorker('bad');
    const injected = await h.call('PATCH', '/workers/bad', {
      body: { env: { HICLAW_ORCHESTRATOR_URL: 'x' } },
    });
    expect(injected.status).toBe(400);
    expect(injected.json.field).toBe('env.HICLAW_ORCHESTRATOR_URL');
    const both = await h.call('PATCH', '/workers/bad', {
      body: { ttl_seconds: 600, expires_at: new Date(Date.now() + 1e6).toISOString() },
    });
    expect(both.status).toBe(400);
    expect(both.json.field).toBe('ttl_seconds');
  });
});

describe('POST /workers/{name}/keys', () => {
  it('returns a new key once, rolls the worker with it, and the old key stops working', async () => {
    const { h, key } = await readyWorker('rot');
    const rotated = await h.call('POST', '/workers/rot/keys');
    expect(rotated.status).toBe(200);
    expect(rotated.json.api_key).toMatch(/^wok_rot_[0-9a-f]{64}$/);
    expect(rotated.json.api_key).not.toBe(key);
    expect(h.backend.allResources()[0]!.spec.env.HICLAW_WORKER_API_KEY).toBe(rotated.json.api_key);
    expect((await reportReady(h, 'rot', key)).status).toBe(401);
    expect((await reportReady(h, 'rot', rotated.json.api_key)).status).toBe(204);
    expect((await h.call('GET', '/workers/rot')).json.api_key).toBeUndefined();
  });
});

describe('POST /workers/{name}/ensure-ready', () => {
  it('is 200 at once for a ready worker and 202 with Retry-After when the wait runs out', async () => {
    const { h } = await readyWorker('er', {});
    expect((await h.call('POST', '/workers/er/ensure-ready?timeout_seconds=1')).status).toBe(200);
    await h.call('POST', '/workers/er/sleep');
    const waiting = await h.call('POST', '/workers/er/ensure-ready?timeout_seconds=1');
    expect(waiting.status).toBe(202);
    expect(waiting.headers.get('retry-after')).toBe('5');
    expect(waiting.json.phase).toBe('starting');
  });

  it('answers 200 as soon as the worker reports ready during the wait', async () => {
    const { h, key } = await readyWorker('er2');
    await h.call('POST', '/workers/er2/sleep');
    const waiting = h.call('POST', '/workers/er2/ensure-ready?timeout_seconds=10');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await reportReady(h, 'er2', key)).status).toBe(204);
    expect((await waiting).status).toBe(200);
  });

  it('is 409 at once for a failed worker', async () => {
    const h = await makeApp();
    await h.call('POST', '/workers', { body: { name: 'fl' } });
    // The fake backend rejects any image named "missing": a rejected spec fails the worker at once.
    const patched = await h.call('PATCH', '/workers/fl', { body: { image: 'img:missing' } });
    expect(patched.status).toBe(400);
    expect(patched.json.field).toBe('image');
    expect((await h.call('GET', '/workers/fl')).json.phase).toBe('failed');
    const res = await h.call('POST', '/workers/fl/ensure-ready?timeout_seconds=5');
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('failed');
  });
});

describe('POST /workers/{name}/activity', () => {
  it('resets the idle clock and holds it with a lease; 409 not_awake while asleep unless ?wake=true', async () => {
    const { h } = await readyWorker('act', { idle_timeout_seconds: 600 });
    const res = await h.call('POST', '/workers/act/activity', { body: { lease_seconds: 3600 } });
    expect(res.status).toBe(200);
    expect(Date.parse(res.json.next_action.at)).toBeGreaterThan(Date.now() + 3600_000);
    await h.call('POST', '/workers/act/sleep');
    const refused = await h.call('POST', '/workers/act/activity');
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('not_awake');
    const woken = await h.call('POST', '/workers/act/activity?wake=true');
    expect(woken.status).toBe(202);
    expect(woken.json.phase).toBe('starting');
  });
});

describe('GET /workers', () => {
  it('filters by label, phase, status and team, and pages with an opaque cursor until it is absent', async () => {
    const h = await makeApp();
    await h.call('POST', '/teams', { body: { name: 'red' } });
    for (let i = 0; i < 7; i++) {
      await h.call('POST', '/workers', {
        body: { name: `w${i}`, labels: { tier: i % 2 ? 'odd' : 'even' }, ...(i < 2 ? { team: 'red' } : {}) },
      });
    }
    await h.call('POST', '/workers/w3/sleep');
    const odd = await h.call('GET', '/workers?label=tier=odd');
    expect(odd.json.workers.map((w: { name: string }) => w.name)).toEqual(['w1', 'w3', 'w5']);
    expect(
      (await h.call('GET', '/workers?phase=sleeping')).json.workers.map((w: { name: string }) => w.name),
    ).toEqual(['w3']);
    expect((await h.call('GET', '/workers?status=stopped')).json.workers).toHaveLength(1);
    expect((await h.call('GET', '/workers?team=red')).json.workers).toHaveLength(2);
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.call('GET', `/workers?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      names.push(...page.json.workers.map((w: { name: string }) => w.name));
      cursor = page.json.next_cursor;
      pages++;
    } while (cursor);
    expect(names).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
    expect(pages).toBe(3);
    expect((await h.call('GET', '/workers?cursor=garbage!')).status).toBe(400);
  });
});

describe('GET /workers?sort=last_activity_at', () => {
  it('orders the whole fleet by last activity, either way, and pages through it with an offset cursor', async () => {
    const h = await makeApp();
    for (const name of ['a', 'b', 'c', 'd']) await h.call('POST', '/workers', { body: { name } });
    // Activity in the order c, a, d, b (the clock moves between them).
    for (const name of ['c', 'a', 'd', 'b']) {
      h.clock.advance(1000);
      expect((await h.call('POST', `/workers/${name}/activity`)).status).toBe(200);
    }
    const names = async (query: string) => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.call('GET', `/workers?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        out.push(...page.json.workers.map((w: { name: string }) => w.name));
        cursor = page.json.next_cursor;
      } while (cursor);
      return out;
    };
    expect(await names('sort=last_activity_at')).toEqual(['c', 'a', 'd', 'b']);
    expect(await names('sort=-last_activity_at')).toEqual(['b', 'd', 'a', 'c']);
    const byName = await h.call('GET', '/workers?limit=1');
    const mixed = await h.call('GET', `/workers?sort=last_activity_at&cursor=${byName.json.next_cursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.json.field).toBe('cursor');
  });
});

describe('GET /workers/{name}/logs', () => {
  it('reads nothing of a containerManaged:false worker: 409 unmanaged, without a backend call', async () => {
    const h = await makeApp();
    await h.call('POST', '/api/v1/workers', { body: { name: 'remote', containerManaged: false } });
    const res = await h.call('GET', '/workers/remote/logs');
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('unmanaged');
    expect(h.backend.calls).toEqual([]);
  });

  it('answers 404 for a worker whose resource was removed, not a backend failure', async () => {
    const { h } = await readyWorker('gone');
    expect((await h.call('GET', '/workers/gone/logs')).status).toBe(200);
    await h.call('PUT', '/api/v1/workers/gone', { body: { state: 'Stopped' } });
    expect(h.backend.allResources()).toEqual([]);
    const res = await h.call('GET', '/workers/gone/logs');
    expect(res.status).toBe(404);
    expect(typeof res.json.message).toBe('string');
  });
});

describe('lifetimes', () => {
  it("an expired worker's key gets 401 expired, and wake is refused with 409 expired", async () => {
    const { h, key } = await readyWorker('ttl', { ttl_seconds: 120 });
    expect((await h.call('GET', '/workers/ttl')).json.expires_at).not.toBeNull();
    h.clock.advance(121_000);
    const beat = await reportReady(h, 'ttl', key);
    expect(beat.status).toBe(401);
    expect(beat.json.code).toBe('expired');
    await h.call('POST', '/workers/ttl/sleep');
    const wake = await h.call('POST', '/workers/ttl/wake');
    expect(wake.status).toBe(409);
    expect(wake.json.code).toBe('expired');
  });

  it('deletion_protection refuses DELETE with 409 unless ?force=true', async () => {
    const { h } = await readyWorker('keep', { deletion_protection: true });
    const refused = await h.call('DELETE', '/workers/keep');
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('deletion_protected');
    expect((await h.call('DELETE', '/workers/keep?force=true')).status).toBe(204);
    expect((await h.call('GET', '/workers/keep')).status).toBe(404);
  });
});

describe('failures leave nothing half-made', () => {
  it('a missing image is a 400 naming image, with no record and no resource left', async () => {
    const h = await makeApp();
    const res = await h.call('POST', '/workers', { body: { name: 'nope', image: 'img:missing' } });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe('image');
    expect(res.json.message).toContain('img:missing');
    expect((await h.call('GET', '/workers/nope')).status).toBe(404);
    expect(h.backend.allResources()).toHaveLength(0);
    expect((await h.call('POST', '/workers', { body: { name: 'nope' } })).status).toBe(201);
  });

  it('an unreachable backend is a 503 with Retry-After and a message saying why, and nothing is kept', async () => {
    const h = await makeApp();
    h.backend.behave('create', {
      fail: new BackendUnavailableError('the Docker engine is not reachable', { nothingSent: true }),
    });
    const res = await h.call('POST', '/workers', { body: { name: 'later' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
    expect(res.json.message).toContain('Docker engine is not reachable');
    expect((await h.call('GET', '/workers/later')).status).toBe(404);
  });

  it('a name being deleted answers 409 deleting with Retry-After', async () => {
    const h = await makeApp();
    await h.call('POST', '/workers', { body: { name: 'gone' } });
    h.backend.behave('delete', { hang: true });
    const deleting = h.call('DELETE', '/workers/gone');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const res = await h.call('POST', '/workers', { body: { name: 'gone' } });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('deleting');
    expect(res.headers.get('retry-after')).toBe('5');
    h.backend.release();
    expect((await deleting).status).toBe(204);
  });
});

describe('reads', () => {
  it('GET never calls the backend; ?refresh=true does, at most once per 10 s', async () => {
    const { h } = await readyWorker('r');
    const statusCalls = () => h.backend.calls.filter((c) => c.step === 'status').length;
    const before = statusCalls();
    await h.call('GET', '/workers/r');
    expect(statusCalls()).toBe(before);
    await h.call('GET', '/workers/r?refresh=true');
    await h.call('GET', '/workers/r?refresh=true');
    expect(statusCalls()).toBe(before + 1);
    h.clock.advance(10_001);
    await h.call('GET', '/workers/r?refresh=true');
    expect(statusCalls()).toBe(before + 2);
  });

  it('events are newest first with reason and actor, and page with a cursor', async () => {
    const { h } = await readyWorker('ev');
    await h.call('POST', '/workers/ev/sleep');
    const first = await h.call('GET', '/workers/ev/events?limit=2');
    expect(first.json.events.map((e: { to: string }) => e.to)).toEqual(['sleeping', 'stopping']);
    expect(first.json.events[1]).toMatchObject({ reason: 'manual', actor: 'manager' });
    const rest = await h.call('GET', `/workers/ev/events?cursor=${first.json.next_cursor}`);
    expect(rest.json.events.map((e: { to: string }) => e.to)).toEqual(['ready', 'starting', 'pending']);
    expect(rest.json.next_cursor).toBeUndefined();
  });

  it('a ready worker whose heartbeat went stale reads running with reason stale', async () => {
    const { h } = await readyWorker('st');
    h.clock.advance((600 + 3 * 60 + 1) * 1000);
    const worker = (await h.call('GET', '/workers/st')).json;
    expect(worker).toMatchObject({ phase: 'ready', status: 'running', reason: 'stale' });
  });

  it('/openapi.json documents every route and /docs renders it', async () => {
    const h = await makeApp();
    const doc = (await h.call('GET', '/openapi.json', { key: null })).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const spec of h.app.routeTable.specs) expect(doc.paths[spec.path][spec.method]).toBeDefined();
    expect(doc.components.schemas.CreateWorkerInput.properties.name).toBeDefined();
    const page = await h.call('GET', '/docs', { key: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('openapi.json');
  });
});

describe('POST /workers/{name}/sleep', () => {
  it('answers 200 when the worker is asleep as the answer is sent: the stop finished within the request', async () => {
    const { h } = await readyWorker('nap');
    const slept = await h.call('POST', '/workers/nap/sleep');
    expect(slept.json.phase).toBe('sleeping');
    expect(slept.status).toBe(200);
  });

  it('answers 202 while the stop is still under way, and its body says stopping', async () => {
    const h = await makeApp({ settings: { requestDriveBudgetMs: 100 } });
    const created = await h.call('POST', '/workers', { body: { name: 'slow' } });
    await reportReady(h, 'slow', created.json.api_key);
    h.backend.behave('stop', { delayMs: 2_000 });
    const slept = await h.call('POST', '/workers/slow/sleep');
    expect(slept.json.phase).toBe('stopping');
    expect(slept.status).toBe(202);
  });

  it('answers 200 for a worker already asleep', async () => {
    const { h } = await readyWorker('again');
    await h.call('POST', '/workers/again/sleep');
    const again = await h.call('POST', '/workers/again/sleep');
    expect(again.json.phase).toBe('sleeping');
    expect(again.status).toBe(200);
  });
});

describe('bad input names what is wrong with it', () => {
  it('says a field of the wrong type must be of its type, and only an absent one is required', async () => {
    const h = await makeApp();
    const wrongType = await h.call('POST', '/workers', { body: { name: 'typed', image: 5 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.message).toBe('image must be a string');
    const limit = await h.call('GET', '/workers?limit=abc');
    expect(limit.status).toBe(400);
    expect(limit.json.message).not.toContain('required');
    const absent = await h.call('POST', '/workers', { body: {} });
    expect(absent.json.message).toBe('name is required');
    expect(await h.call('GET', '/workers/typed')).toMatchObject({ status: 404 });
  });
});
