/**
 * The hiclaw-controller `/api/v1` contract, as its manager client (`container-api.sh`), its `hiclaw` CLI and its
 * worker images use it: shapes, codes and phase words, over the in-process app with the fake backend.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type AppHarness, makeApp } from '../../support/app-harness';

let h: AppHarness;
beforeEach(async () => {
  h = await makeApp();
});

/** The token the worker's container was given, as `hiclaw worker report-ready` reads it. */
const tokenOf = (name: string) =>
  h.backend.allResources().find((r) => r.spec.name === name)?.spec.env.HICLAW_AUTH_TOKEN;
const resourcesOf = (name: string) => h.backend.allResources().filter((r) => r.spec.name === name);
const reportReady = (name: string) =>
  h.call('POST', `/api/v1/workers/${name}/ready`, { key: tokenOf(name) ?? null });

describe('POST /api/v1/workers', () => {
  it('answers 201 with a WorkerResponse: phase and state in HiClaw words, agent fields returned', async () => {
    const res = await h.call('POST', '/api/v1/workers', {
      body: { name: 'alice', model: 'qwen3.6-plus', runtime: 'copaw', skills: ['search'], soul: 'kind' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      name: 'alice',
      phase: 'Running',
      state: 'Running',
      containerManaged: true,
      model: 'qwen3.6-plus',
      runtime: 'copaw',
      skills: ['search'],
      soul: 'kind',
      containerState: 'starting',
    });
    expect(res.json.api_key).toBeUndefined();
  });

  it('hands the agent fields and the controller-contract variables to the worker', async () => {
    await h.call('POST', '/api/v1/workers', {
      body: { name: 'alice', model: 'm', expose: [{ port: 8080 }] },
    });
    const env = resourcesOf('alice')[0]!.spec.env;
    expect(JSON.parse(env.HICLAW_WORKER_SPEC!)).toEqual({ model: 'm', expose: [{ port: 8080 }] });
    expect(env).toMatchObject({ HICLAW_WORKER_NAME: 'alice', HICLAW_WORKER_CR_NAME: 'alice' });
    expect(env.HICLAW_AUTH_TOKEN).toMatch(/^wok_alice_[0-9a-f]{64}$/);
    expect(env.HICLAW_CONTROLLER_URL).toBe(env.HICLAW_ORCHESTRATOR_URL);
  });

  it('answers 409 for a name that exists, even with the same body', async () => {
    await h.call('POST', '/api/v1/workers', { body: { name: 'alice' } });
    const again = await h.call('POST', '/api/v1/workers', { body: { name: 'alice' } });
    expect(again.status).toBe(409);
    expect(again.json.message).toBe('create worker: already exists');
  });

  it.each([
    [{}, 'name', 'name is required'],
    [{ name: 'alice', state: 'Paused' }, 'state', 'state'],
    [{ name: 'alice', expose: [{ port: '8080' }] }, 'expose.0.port', 'expose.0.port'],
    [{ name: 'alice', team: 'blue' }, 'team', 'team is reserved'],
    [{ name: 'alice', teamLeader: true }, 'teamLeader', 'teamLeader is reserved'],
    [{ name: 'alice', mcpServers: [{ url: 'x' }] }, 'mcpServers.0.name', 'mcpServers.0.name'],
    [{ name: 'alice', modle: 'x' }, 'modle', 'unknown field modle'],
    [{ name: 'Alice' }, 'name', 'name'],
  ])('refuses %j with a 400 that names %s (never a 500)', async (body, field, words) => {
    const res = await h.call('POST', '/api/v1/workers', { body });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe(field);
    expect(res.json.message).toContain(words);
    expect(h.backend.allResources()).toEqual([]);
  });

  it("drops the older contract's fields, as HiClaw does, so its scripts' recreate bodies still work", async () => {
    const res = await h.call('POST', '/api/v1/workers', {
      body: {
        name: 'alice',
        env: { A: '1' },
        network: 'n',
        working_dir: '/w',
        extra_hosts: [],
        backend: 'x',
      },
    });
    expect(res.status).toBe(201);
    expect(resourcesOf('alice')[0]!.spec.env.A).toBeUndefined();
  });

  it('creates a Stopped or Sleeping worker without starting anything; a wake creates it', async () => {
    const stopped = await h.call('POST', '/api/v1/workers', { body: { name: 'alice', state: 'Stopped' } });
    expect(stopped.json).toMatchObject({ phase: 'Stopped', state: 'Stopped', containerState: 'not_found' });
    const sleeping = await h.call('POST', '/api/v1/workers', { body: { name: 'bob', state: 'Sleeping' } });
    expect(sleeping.json).toMatchObject({ phase: 'Sleeping', state: 'Sleeping' });
    expect(h.backend.allResources()).toEqual([]);
    const woken = await h.call('POST', '/api/v1/workers/alice/wake');
    expect(woken).toMatchObject({ status: 200, json: { name: 'alice', phase: 'Running' } });
    expect(resourcesOf('alice')).toHaveLength(1);
  });
});

describe('lifecycle verbs', () => {
  beforeEach(async () => {
    await h.call('POST', '/api/v1/workers', { body: { name: 'alice' } });
  });

  it('/status says Ready only after the current boot reported, and names the backend', async () => {
    expect((await h.call('GET', '/api/v1/workers/alice/status')).json).toMatchObject({
      phase: 'Running',
      message: 'backend=fake status=starting',
    });
    expect((await reportReady('alice')).status).toBe(204);
    expect((await h.call('GET', '/api/v1/workers/alice/status')).json.phase).toBe('Ready');

    // A new boot is not Ready on the strength of the previous one's report.
    expect((await h.call('POST', '/api/v1/workers/alice/sleep')).json).toEqual({
      name: 'alice',
      phase: 'Sleeping',
    });
    expect((await h.call('POST', '/api/v1/workers/alice/wake')).json).toEqual({
      name: 'alice',
      phase: 'Running',
    });
    expect((await h.call('GET', '/api/v1/workers/alice/status')).json.phase).toBe('Running');
    expect((await reportReady('alice')).status).toBe(204);
    expect((await h.call('GET', '/api/v1/workers/alice/status')).json.phase).toBe('Ready');
  });

  it('sleep keeps the container stopped; PUT state Stopped removes it and keeps the record; wake recreates it', async () => {
    await h.call('POST', '/api/v1/workers/alice/sleep');
    expect(resourcesOf('alice')).toHaveLength(1);
    const put = await h.call('PUT', '/api/v1/workers/alice', { body: { state: 'Stopped' } });
    expect(put.json).toMatchObject({ phase: 'Stopped', state: 'Stopped', containerState: 'not_found' });
    expect(resourcesOf('alice')).toHaveLength(0);
    expect((await h.call('GET', '/api/v1/workers/alice')).status).toBe(200);
    const running = await h.call('PUT', '/api/v1/workers/alice', { body: { state: 'Running' } });
    expect(running.json).toMatchObject({ phase: 'Running', state: 'Running' });
    expect(resourcesOf('alice')).toHaveLength(1);
    expect((await reportReady('alice')).status).toBe(204);
  });

  it('ensure-ready answers 200 {name, phase} after its bounded wait, Ready once the worker reported', async () => {
    const notYet = await h.call('POST', '/api/v1/workers/alice/ensure-ready?timeout_seconds=0');
    expect(notYet).toMatchObject({ status: 200, json: { name: 'alice', phase: 'Running' } });
    await reportReady('alice');
    const ready = await h.call('POST', '/api/v1/workers/alice/ensure-ready');
    expect(ready.json).toEqual({ name: 'alice', phase: 'Ready' });
  });

  it('ensure-ready wakes a sleeping worker', async () => {
    await h.call('POST', '/api/v1/workers/alice/sleep');
    const res = await h.call('POST', '/api/v1/workers/alice/ensure-ready?timeout_seconds=1');
    expect(res.json).toEqual({ name: 'alice', phase: 'Running' });
    expect(resourcesOf('alice')[0]!.running).toBe(true);
  });

  it('a missing worker is 404 {message} on every per-worker route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/workers/nobody'],
      ['GET', '/api/v1/workers/nobody/status'],
      ['POST', '/api/v1/workers/nobody/wake'],
      ['POST', '/api/v1/workers/nobody/sleep'],
      ['POST', '/api/v1/workers/nobody/ensure-ready'],
      ['POST', '/api/v1/workers/nobody/ready'],
      ['PUT', '/api/v1/workers/nobody'],
      ['DELETE', '/api/v1/workers/nobody'],
    ] as const) {
      const res = await h.call(method, path, method === 'PUT' ? { body: {} } : {});
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(typeof res.json.message).toBe('string');
    }
  });
});

describe('PUT merge', () => {
  it('overwrites non-empty strings, keeps fields not given, replaces lists, and rolls the worker with the new profile', async () => {
    await h.call('POST', '/api/v1/workers', {
      body: { name: 'alice', model: 'a', soul: 's', skills: ['x'] },
    });
    const res = await h.call('PUT', '/api/v1/workers/alice', {
      body: { model: 'b', soul: '', skills: ['y'] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ model: 'b', soul: 's', skills: ['y'] });
    expect(JSON.parse(resourcesOf('alice')[0]!.spec.env.HICLAW_WORKER_SPEC!)).toEqual({
      model: 'b',
      soul: 's',
      skills: ['y'],
    });
    const cleared = await h.call('PUT', '/api/v1/workers/alice', { body: { skills: [] } });
    expect(cleared.json.skills).toBeUndefined();
  });

  it('refuses to change runtime or containerManaged with a 400 naming the field', async () => {
    await h.call('POST', '/api/v1/workers', { body: { name: 'alice', runtime: 'openclaw' } });
    const runtime = await h.call('PUT', '/api/v1/workers/alice', { body: { runtime: 'hermes' } });
    expect(runtime).toMatchObject({ status: 400, json: { field: 'runtime' } });
    const managed = await h.call('PUT', '/api/v1/workers/alice', { body: { containerManaged: false } });
    expect(managed).toMatchObject({ status: 400, json: { field: 'containerManaged' } });
  });
});

describe('containerManaged: false', () => {
  it('records the worker, never touches a resource, and reports its declared state as its phase', async () => {
    const created = await h.call('POST', '/api/v1/workers', {
      body: { name: 'remote', containerManaged: false },
    });
    expect(created.status).toBe(201);
    expect(created.json.containerManaged).toBeUndefined();
    expect(created.json).toMatchObject({ phase: 'Running', state: 'Running' });
    expect((await h.call('POST', '/api/v1/workers/remote/sleep')).json.phase).toBe('Sleeping');
    expect((await h.call('POST', '/api/v1/workers/remote/ensure-ready')).json.phase).toBe('Running');
    expect((await h.call('PUT', '/api/v1/workers/remote', { body: { state: 'Stopped' } })).json.state).toBe(
      'Stopped',
    );
    expect(h.backend.calls.filter((call) => call.step !== 'status')).toEqual([]);
  });

  it('answers a ready report 204, as HiClaw does, and changes nothing: no phase, no event, no backend call', async () => {
    const created = await h.service.create(
      { name: 'remote', unmanaged: true, labels: { 'hiclaw.state': 'Running' } },
      { kind: 'manager' },
    );
    const before = await h.service.get('remote', { kind: 'manager' });
    const events = (await h.service.events('remote', { kind: 'manager' }, { limit: 100 })).events.length;
    for (const key of [created.apiKey!, undefined]) {
      const res = await h.call('POST', '/api/v1/workers/remote/ready', { key });
      expect(res.status).toBe(204);
    }
    expect(await h.service.get('remote', { kind: 'manager' })).toEqual(before);
    expect((await h.service.events('remote', { kind: 'manager' }, { limit: 100 })).events).toHaveLength(
      events,
    );
    expect((await h.call('GET', '/api/v1/workers/remote/status')).json.phase).toBe('Running');
    expect(h.backend.calls.filter((call) => call.step !== 'status')).toEqual([]);
  });
});

describe('lists, overview and teams', () => {
  it('lists {workers, total}, filters by ?team=, and deletes with 204', async () => {
    await h.call('POST', '/teams', { body: { name: 'blue' } });
    await h.call('POST', '/workers', { body: { name: 'b1', team: 'blue' } });
    await h.call('POST', '/api/v1/workers', { body: { name: 'solo' } });
    const all = await h.call('GET', '/api/v1/workers');
    expect(all).toMatchObject({ status: 200, json: { total: 2 } });
    const blue = await h.call('GET', '/api/v1/workers?team=blue');
    expect(blue.json.workers).toEqual([
      expect.objectContaining({ name: 'b1', team: 'blue', role: 'worker' }),
    ]);
    expect((await h.call('GET', '/api/v1/workers?team=nobody')).json).toEqual({ workers: [], total: 0 });

    expect((await h.call('GET', '/api/v1/status')).json).toEqual({
      kubeMode: 'none',
      totalWorkers: 2,
      totalTeams: 1,
      totalHumans: 0,
    });
    expect((await h.call('GET', '/api/v1/teams')).json).toEqual({
      teams: [
        {
          name: 'blue',
          teamName: 'blue',
          phase: 'Active',
          totalWorkers: 1,
          readyWorkers: 0,
          workerNames: ['b1'],
        },
      ],
      total: 1,
    });
    expect((await h.call('GET', '/api/v1/teams/blue')).json.workerNames).toEqual(['b1']);
    expect((await h.call('GET', '/api/v1/teams/red')).status).toBe(404);

    expect((await h.call('DELETE', '/api/v1/workers/solo')).status).toBe(204);
    expect((await h.call('GET', '/api/v1/workers')).json.total).toBe(1);
  });

  it('/api/v1/version needs a known token; /healthz stays open', async () => {
    expect((await h.call('GET', '/api/v1/version', { key: null })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/version')).json).toMatchObject({ kubeMode: 'none' });
    expect((await h.call('GET', '/healthz', { key: null })).status).toBe(200);
  });

  it('publishes both contracts in /openapi.json', async () => {
    const doc = (await h.call('GET', '/openapi.json', { key: null })).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/workers',
        '/workers/{name}/ready',
        '/api/v1/workers',
        '/api/v1/workers/{name}/status',
      ]),
    );
    expect(doc.paths['/api/v1/workers/{name}'].put.requestBody).toBeDefined();
  });
});
