/**
 * The HiClaw orchestrator contract, as its manager shell client and worker entrypoint use it: they read `.status`
 * from the body whatever the code (`curl -s`, no `-f`), accept any 2xx for start/stop, and treat the API as
 * available only when `GET /workers` answers exactly 200.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type AppHarness, makeApp, reportReady } from '../support/app-harness';

let h: AppHarness;
beforeEach(async () => {
  h = await makeApp();
});

describe('HiClaw contract', () => {
  it('create answers 201 with HiClaw fields and an api_key of the documented shape, once', async () => {
    const res = await h.call('POST', '/workers', {
      body: { name: 'alice', runtime: 'openclaw', env: { A: '1' } },
    });
    expect(res.status).toBe(201);
    for (const field of [
      'name',
      'backend',
      'deployment_mode',
      'status',
      'container_id',
      'app_id',
      'raw_status',
      'console_host_port',
    ]) {
      expect(res.json).toHaveProperty(field);
    }
    expect(res.json.api_key).toMatch(/^wok_alice_[0-9a-f]{64}$/);
    expect(res.json.deployment_mode).toBe('local');
    expect(['starting', 'running']).toContain(res.json.status);
  });

  it('a duplicate create with the same spec is 200 without a key and leaves the live key working (defect #3)', async () => {
    const first = await h.call('POST', '/workers', { body: { name: 'alice', env: { A: '1' } } });
    const again = await h.call('POST', '/workers', { body: { name: 'alice', env: { A: '1' } } });
    expect(again.status).toBe(200);
    expect(again.json.api_key).toBeUndefined();
    expect((await reportReady(h, 'alice', first.json.api_key)).status).toBe(204);
  });

  it('a create with the same name and a different spec is 409 and changes nothing', async () => {
    const first = await h.call('POST', '/workers', { body: { name: 'alice', env: { A: '1' } } });
    const other = await h.call('POST', '/workers', { body: { name: 'alice', env: { A: '2' } } });
    expect(other.status).toBe(409);
    expect(other.json).toMatchObject({ code: 'exists' });
    expect(other.json.message).toContain('alice');
    expect((await h.call('GET', '/workers/alice')).json.uid).toBe(first.json.uid);
  });

  it("GET /workers answers exactly 200 with a workers array (the client's availability probe)", async () => {
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    const res = await h.call('GET', '/workers');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json.workers)).toBe(true);
    expect(res.json.workers.map((w: { name: string }) => w.name)).toEqual(['alice']);
  });

  it('an unknown worker is 404 whose body still says status not_found for jq -r .status', async () => {
    const res = await h.call('GET', '/workers/nobody');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ name: 'nobody', status: 'not_found', code: 'not_found' });
    expect(typeof res.json.message).toBe('string');
  });

  it('walks the status words the wait-until-ready loop reads: starting → ready → stopped → starting → ready', async () => {
    const created = await h.call('POST', '/workers', { body: { name: 'alice' } });
    const status = async () => (await h.call('GET', '/workers/alice')).json.status;
    expect(['starting', 'running']).toContain(await status());
    expect((await reportReady(h, 'alice', created.json.api_key)).status).toBe(204);
    expect(await status()).toBe('ready');
    const stop = await h.call('POST', '/workers/alice/stop');
    expect(stop.status >= 200 && stop.status < 300).toBe(true);
    expect(await status()).toBe('stopped');
    const stopAgain = await h.call('POST', '/workers/alice/stop');
    expect(stopAgain.status).toBe(200);
    const start = await h.call('POST', '/workers/alice/start');
    expect(start.status).toBe(202);
    expect(['starting', 'running']).toContain(await status());
    expect((await reportReady(h, 'alice', created.json.api_key)).status).toBe(204);
    expect(await status()).toBe('ready');
    expect((await h.call('POST', '/workers/alice/start')).status).toBe(200);
  });

  it('DELETE is 204 for a live worker and again for a gone one; the status then reads not_found', async () => {
    await h.call('POST', '/workers', { body: { name: 'alice' } });
    expect((await h.call('DELETE', '/workers/alice')).status).toBe(204);
    expect((await h.call('DELETE', '/workers/alice')).status).toBe(204);
    expect((await h.call('GET', '/workers/alice')).json.status).toBe('not_found');
    expect(h.backend.allResources()).toHaveLength(0);
  });

  it("a worker reporting for another worker is 403 with HiClaw's message", async () => {
    const a = await h.call('POST', '/workers', { body: { name: 'alice' } });
    await h.call('POST', '/workers', { body: { name: 'bob' } });
    const res = await reportReady(h, 'bob', a.json.api_key);
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('workers can only report their own readiness');
  });

  it('errors are JSON with message and code, and never echo the key', async () => {
    const a = await h.call('POST', '/workers', { body: { name: 'alice' } });
    const res = await h.call('POST', '/workers', { key: a.json.api_key, body: { name: 'x' } });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'forbidden' });
    expect(res.text).not.toContain(a.json.api_key);
  });

  it('env values are never echoed, only their names', async () => {
    const res = await h.call('POST', '/workers', {
      body: { name: 'alice', env: { TOKEN: 'hunter2-secret' } },
    });
    expect(res.text).not.toContain('hunter2-secret');
    expect(res.json.env_names).toEqual(['TOKEN']);
    const listed = await h.call('GET', '/workers');
    expect(listed.text).not.toContain('hunter2-secret');
  });

  it('injects the key, the name and the orchestrator URL into the worker environment and refuses them in env', async () => {
    const res = await h.call('POST', '/workers', { body: { name: 'alice', env: { A: '1' } } });
    const env = h.backend.allResources()[0]!.spec.env;
    expect(env).toMatchObject({
      A: '1',
      HICLAW_WORKER_NAME: 'alice',
      HICLAW_WORKER_API_KEY: res.json.api_key,
      HICLAW_ORCHESTRATOR_URL: h.settings.orchestratorUrl,
    });
    const refused = await h.call('POST', '/workers', {
      body: { name: 'bob', env: { HICLAW_WORKER_API_KEY: 'x' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.field).toBe('env.HICLAW_WORKER_API_KEY');
  });
});
