/**
 * Regressions found by reviewing the lifecycle and the API. Each test narrates the bug it pins down.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors';
import { casUpdate } from '../../src/store/cas';
import { MemoryStore } from '../../src/store/memory';
import type { ObjectStore } from '../../src/store/port';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

describe('review regressions', () => {
  it('with AUTH_MODE=off a worker can still report its own readiness (HiClaw defect #2 came back)', async () => {
    // Bug: auth off made every caller the manager, so /ready answered 403 and workers never became ready.
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'open' } });
    (h.service.auth as { mode: 'keys' | 'off' }).mode = 'off';
    expect((await reportReady(h, 'open', created.json.api_key)).status).toBe(204);
    expect((await h.call('GET', '/workers/open', { key: null })).json.phase).toBe('ready');
  });

  it('ttl_seconds together with expires_at: null is refused, so a team key cannot clear its lifetime', async () => {
    // Bug: {"ttl_seconds":60,"expires_at":null} passed the team check on ttl_seconds and then cleared expires_at.
    const h = await makeApp();
    await h.call('POST', '/teams', { body: { name: 'red', max_ttl_seconds: 3600 } });
    const key = (await h.call('POST', '/teams/red/keys')).json.key;
    await h.call('POST', '/workers', { key, body: { name: 'r1' } });
    const res = await h.call('PATCH', '/workers/r1', { key, body: { ttl_seconds: 60, expires_at: null } });
    expect(res.status).toBe(400);
    expect((await h.call('GET', '/workers/r1')).json.expires_at).not.toBeNull();
  });

  it('a failed round does not fail a worker whose intent moved on while it ran', async () => {
    // Bug: a rejected image failed the worker and stopped it even though a newer PATCH with a good image was
    // already recorded behind the lease.
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'mv' } });
    await reportReady(h, 'mv', created.json.api_key);
    h.backend.behave('update', { delayMs: 100, times: 1 });
    const bad = h.call('PATCH', '/workers/mv', { body: { image: 'img:missing' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const good = await h.call('PATCH', '/workers/mv', { body: { image: 'img:good' } });
    expect(good.status).toBe(202);
    await bad;
    const worker = (await h.call('GET', '/workers/mv')).json;
    expect(worker.phase).not.toBe('failed');
    expect(worker.image).toBe('img:good');
    expect(h.backend.allResources()[0]!.spec.image).toBe('img:good');
  });

  it('a ready worker heartbeating with the long form of its instance id is accepted', async () => {
    // Bug: the ready branch compared ids exactly, so a worker sending Docker's 64-hex id after becoming ready
    // with it was refused as stale on every heartbeat.
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'ids' } });
    const short = h.backend.allResources()[0]!.instances[0]!.id;
    const long = `${short}${'0'.repeat(Math.max(0, 24 - short.length))}`;
    expect((await reportReady(h, 'ids', created.json.api_key, { instance_id: short })).status).toBe(204);
    expect((await reportReady(h, 'ids', created.json.api_key, { instance_id: long })).status).toBe(204);
  });

  it('a write that landed, whose response and confirming re-read were both lost, is not applied twice', async () => {
    const inner = new MemoryStore();
    let failPut = true;
    let failGet = false;
    const store: ObjectStore = {
      kind: 'lossy',
      atomicConditionalDelete: true,
      get: async (key) => {
        if (failGet) {
          failGet = false;
          throw new Error('socket hang up');
        }
        return inner.get(key);
      },
      put: async (key, body, options) => {
        const result = await inner.put(key, body, options);
        if (failPut) {
          failPut = false;
          failGet = true;
          throw new Error('socket hang up');
        }
        return result;
      },
      delete: (key, options) => inner.delete(key, options),
      list: (prefix, options) => inner.list(prefix, options),
    };
    let applied = 0;
    await casUpdate<{ n: number; write_id: string }>(store, 'k', (current) => {
      applied++;
      return { n: (current?.n ?? 0) + 1 };
    });
    expect(JSON.parse((await inner.get('k'))!.body).n).toBe(1);
    expect(applied).toBe(1);
  });

  it('a create refused as bad input gives its team quota slot back at once', async () => {
    const h = await makeApp();
    await h.call('POST', '/teams', { body: { name: 'blue', max_workers: 1 } });
    const past = await h.call('POST', '/workers', {
      body: { name: 'b1', team: 'blue', expires_at: '2001-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect((await h.call('POST', '/workers', { body: { name: 'b2', team: 'blue' } })).status).toBe(201);
  });

  it('env names and worker names that shadow Object.prototype are ordinary keys (no 500, no quota bypass)', async () => {
    const h = await makeApp();
    // Raw JSON: in a JS object literal `__proto__` would set the prototype instead of making a key.
    const poisoned = await h.call('POST', '/workers', { raw: '{"name":"proto","env":{"__proto__":"y"}}' });
    expect(poisoned.status).toBe(400);
    expect(poisoned.json.field).toBe('env.__proto__');
    const created = await h.call('POST', '/workers', { body: { name: 'proto', env: { constructor: 'x' } } });
    expect(created.status).toBe(201);
    expect(Object.hasOwn(h.backend.allResources()[0]!.spec.env, 'constructor')).toBe(true);
    expect(h.backend.allResources()[0]!.spec.env.constructor).toBe('x');
    await h.call('POST', '/teams', { body: { name: 'full', max_workers: 1 } });
    await h.call('POST', '/workers', { body: { name: 'first', team: 'full' } });
    const bypass = await h.call('POST', '/workers', { body: { name: 'constructor', team: 'full' } });
    expect(bypass.status).toBe(409);
  });

  it('rotating the key of a sleeping worker revokes the old key and returns none it would not run with', async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'nap' } });
    await h.call('POST', '/workers/nap/sleep');
    const rotated = await h.call('POST', '/workers/nap/keys');
    expect(rotated.status).toBe(202);
    expect(rotated.json.api_key).toBeUndefined();
    await h.call('POST', '/workers/nap/wake');
    const running = h.backend.allResources()[0]!.spec.env.HICLAW_WORKER_API_KEY!;
    expect(running).not.toBe(created.json.api_key);
    expect((await reportReady(h, 'nap', created.json.api_key)).status).toBe(401);
    expect((await reportReady(h, 'nap', running)).status).toBe(204);
  });

  it('anonymous /healthz neither calls the backend on every request nor shows its messages', async () => {
    const h = await makeApp();
    let checks = 0;
    h.backend.health = async () => {
      checks++;
      return { ok: false, message: 'AccessDenied for role arn:acs:ram::123:role/secret-name' };
    };
    for (let i = 0; i < 5; i++) {
      const res = await h.call('GET', '/healthz', { key: null });
      expect(res.text).not.toContain('secret-name');
    }
    expect(checks).toBe(1);
    const detailed = await h.call('GET', '/healthz', { key: MANAGER_KEY });
    expect(detailed.text).toContain('AccessDenied');
  });

  it('a PATCH that changes nothing does not restart the worker', async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', {
      body: { name: 'same', image: 'img:a', env: { A: '1' } },
    });
    await reportReady(h, 'same', created.json.api_key);
    const res = await h.call('PATCH', '/workers/same', { body: { image: 'img:a', env: { A: '1' } } });
    expect(res.status).toBe(200);
    expect(res.json.phase).toBe('ready');
    expect(h.backend.calls.filter((c) => c.step === 'update')).toHaveLength(0);
  });

  it('a value replaced by a PATCH leaves secrets/ once the new one runs (after the grace for in-flight updates)', async () => {
    const h = await makeApp();
    await h.call('POST', '/workers', { body: { name: 'tok', env: { TOKEN: 'old-leaked-token' } } });
    const uid = (await h.call('GET', '/workers/tok')).json.uid;
    h.clock.advance(11 * 60_000);
    await h.call('PATCH', '/workers/tok', { body: { env: { TOKEN: 'new-token-value' } } });
    const stored = JSON.stringify(await h.repo.readSecretCandidates('tok', uid));
    expect(stored).not.toContain('old-leaked-token');
    expect(stored).toContain('new-token-value');
  });

  it('a team key cannot force-delete a worker the manager protected', async () => {
    const h = await makeApp();
    await h.call('POST', '/teams', { body: { name: 'red' } });
    const key = (await h.call('POST', '/teams/red/keys')).json.key;
    await h.call('POST', '/workers', { body: { name: 'kept', team: 'red', deletion_protection: true } });
    const res = await h.call('DELETE', '/workers/kept?force=true', { key });
    expect(res.status).toBe(403);
    expect(res.json.field).toBe('force');
  });

  it('ensure-ready honours a short timeout even while the backend is slow to start', {
    timeout: 8_000,
  }, async () => {
    // Bug: the wake inside ensure-ready drove for the full request budget, ignoring timeout_seconds.
    const h = await makeApp({ settings: { requestDriveBudgetMs: 60_000 } });
    await h.call('POST', '/workers', { body: { name: 'slow' } });
    await h.call('POST', '/workers/slow/sleep');
    h.backend.behave('start', { hang: true });
    const res = await h.call('POST', '/workers/slow/ensure-ready?timeout_seconds=1');
    expect(res.status).toBe(202);
    h.backend.release();
  });
});

describe('regressions found reviewing the fixes', () => {
  it('ensure-ready with timeout 0 hands the lease back, so the next call drives the wake at once', async () => {
    // Bug: the wake took the lease, the drive returned before its first round, and the lease sat unused for 90 s.
    const h = await makeApp();
    await h.call('POST', '/workers', { body: { name: 'er0' } });
    await h.call('POST', '/workers/er0/sleep');
    expect((await h.call('POST', '/workers/er0/ensure-ready?timeout_seconds=0')).status).toBe(202);
    await h.call('POST', '/workers/er0/ensure-ready?timeout_seconds=1');
    expect(h.backend.allResources()[0]!.running).toBe(true);
  });

  it('a create that fails after its record was written keeps the team slot of the worker that exists', async () => {
    // Bug: any failure after the reservation gave the slot back, even when the worker record (and its resource)
    // already existed; the team could then exceed max_workers.
    const inner = new MemoryStore();
    let recordWrites = 0;
    const store: ObjectStore = {
      kind: 'flaky',
      atomicConditionalDelete: true,
      get: (key) => inner.get(key),
      // The first record write lands; the driver's next one (its observation) finds the store unavailable.
      put: async (key, body, options) => {
        if (key === 'workers/w1.json' && ++recordWrites >= 2)
          throw new StoreUnavailableError('store is throttling');
        return inner.put(key, body, options);
      },
      delete: (key, options) => inner.delete(key, options),
      list: (prefix, options) => inner.list(prefix, options),
    };
    const h = await makeApp({ store });
    expect((await h.call('POST', '/teams', { body: { name: 'one', max_workers: 1 } })).status).toBe(201);
    const created = await h.call('POST', '/workers', { body: { name: 'w1', team: 'one' } });
    expect(created.status).toBe(503);
    expect(JSON.parse((await inner.get('workers/w1.json'))!.body).kind).toBe('worker');
    expect(JSON.parse((await inner.get('teams/one.json'))!.body).members).toHaveProperty('w1');
  });

  it('a failed worker is rolled by re-sending the same values (the way out its error message names)', async () => {
    // Bug: a PATCH identical to the stored spec was a no-op, so a worker failed for a lost env value could not be
    // retried by re-sending that value, as the error message tells the user to.
    const h = await makeApp({ settings: { maxAttempts: 1 } });
    const created = await h.call('POST', '/workers', { body: { name: 'fx', env: { A: 'value-one' } } });
    await reportReady(h, 'fx', created.json.api_key);
    const { uid } = (await h.call('GET', '/workers/fx')).json;
    await h.repo.deleteSecrets('fx', uid);
    await h.call('PATCH', '/workers/fx', { body: { image: 'img:v2' } });
    const failed = (await h.call('GET', '/workers/fx')).json;
    expect(failed.phase).toBe('failed');
    expect(failed.last_error).toContain('PATCH it again');
    const retried = await h.call('PATCH', '/workers/fx', { body: { env: { A: 'value-one' } } });
    expect(retried.status).toBe(202);
    expect((await h.call('GET', '/workers/fx')).json.phase).toBe('starting');
    expect(h.backend.allResources()[0]!.spec.image).toBe('img:v2');
  });

  it('a value given again is fresh again, so pruning keeps it', async () => {
    const h = await makeApp();
    await h.repo.addSecretCandidates('v', 'uid-1', { TOKEN: 'value-one' }, 1_000);
    await h.repo.addSecretCandidates('v', 'uid-1', { TOKEN: 'value-two' }, 2_000);
    await h.repo.addSecretCandidates('v', 'uid-1', { TOKEN: 'value-one' }, 1_000_000);
    await h.repo.pruneSecrets('v', 'uid-1', { TOKEN: 'value-two' }, 500_000);
    expect((await h.repo.readSecretCandidates('v', 'uid-1')).TOKEN).toEqual(['value-two', 'value-one']);
  });

  it('a deeply nested body is a 400, not a stack overflow', async () => {
    const h = await makeApp();
    const deep = `{"name":"w1","labels":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const res = await h.call('POST', '/workers', { raw: deep });
    expect(res.status).toBe(400);
  });

  it('concurrent /healthz requests share one round of backend checks', async () => {
    const h = await makeApp();
    let checks = 0;
    h.backend.health = async () => {
      checks++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { ok: true, message: 'fine' };
    };
    await Promise.all(Array.from({ length: 25 }, () => h.call('GET', '/healthz', { key: null })));
    expect(checks).toBe(1);
  });
});
