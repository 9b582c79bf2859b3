/**
 * Every route × every kind of caller: no key, an unknown key, a manager key, the worker's own key and another
 * worker's key. The route list comes from the route table itself, so a new route cannot escape the matrix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import { type AppHarness, MANAGER_KEY, makeApp } from '../support/app-harness';

type Caller = 'none' | 'unknown' | 'manager' | 'own' | 'other' | 'team';
// The manager goes last in each row: its calls (rotating the key, stopping) change what the others see.
const CALLERS: Caller[] = ['none', 'unknown', 'own', 'other', 'team', 'manager'];

let h: AppHarness;
let teamKey: string;

beforeAll(async () => {
  h = await makeApp();
  registerCredentialRoutes(h.app.routeTable, h.service, undefined);
  await h.call('POST', '/teams', { body: { name: 'blue' } });
  teamKey = (await h.call('POST', '/teams/blue/keys')).json.key;
});

/** Fresh workers per route, so a route that rotates a key or deletes does not change the next row's callers. */
async function workersFor(index: number) {
  const own = `own-${index}`;
  const other = `other-${index}`;
  return {
    own,
    keys: {
      alice: (await h.call('POST', '/workers', { body: { name: own } })).json.api_key as string,
      bob: (await h.call('POST', '/workers', { body: { name: other } })).json.api_key as string,
    },
  };
}

function keyFor(caller: Caller, keys: { alice: string; bob: string }, own: string): string | null {
  switch (caller) {
    case 'none':
      return null;
    case 'unknown':
      return `wok_${own}_${'0'.repeat(64)}`;
    case 'manager':
      return MANAGER_KEY;
    case 'own':
      return keys.alice;
    case 'other':
      return keys.bob;
    case 'team':
      return teamKey;
  }
}

/** The hiclaw-controller matrix (`token` routes): a worker may read, report and check itself; a team key all but delete, on its team. */
function expectedForV1(method: string, path: string, caller: Caller): 'allowed' | 403 | 404 {
  if (caller === 'manager' || path === '/api/v1/status' || path === '/api/v1/version') return 'allowed';
  const self = [
    'GET /api/v1/workers/{name}',
    'GET /api/v1/workers/{name}/status',
    'POST /api/v1/workers/{name}/ready',
  ];
  if (caller === 'own') return self.includes(`${method} ${path}`) ? 'allowed' : 403;
  // Another tenant's worker or team answers as an unknown one (404) on every route, DELETE included, so a team
  // cannot tell a taken name from a free one.
  if (caller === 'team') return path.includes('{name}') ? 404 : 'allowed';
  return 403;
}

/** What each access rule allows; `allowed` means "past auth", whatever the route then answers. */
function expectedFor(access: string, path: string, caller: Caller, method = ''): 'allowed' | 401 | 403 | 404 {
  if (access === 'public') return 'allowed';
  if (caller === 'none' || caller === 'unknown') return 401;
  if (access === 'token') return expectedForV1(method, path, caller);
  if (access === 'admin') return caller === 'manager' ? 'allowed' : 403;
  // A team key passes manager routes, but these workers are not its team's: they answer as unknown workers (404;
  // a DELETE of an unknown worker is 204), so a team cannot tell another tenant's name from a free one.
  if (access === 'manager' && caller === 'team') return path.includes('{name}') ? 404 : 'allowed';
  if (access === 'manager') return caller === 'manager' ? 'allowed' : 403;
  if (access === 'worker-self') return caller === 'own' ? 'allowed' : 403;
  return caller === 'own' || caller === 'other' ? 'allowed' : 403;
}

describe('auth matrix', () => {
  it('covers every registered route', () => {
    expect(h.app.routeTable.specs.length).toBeGreaterThanOrEqual(18);
  });

  it('answers 401 / 403 / pass exactly as the access rule of every route says, for every caller', async () => {
    const seen: string[] = [];
    for (const [index, spec] of h.app.routeTable.specs.entries()) {
      const { own, keys } = await workersFor(index);
      // ensure-ready would otherwise wait its full 20 s for a fake worker that never reports.
      const query = spec.path.endsWith('ensure-ready') ? '?timeout_seconds=0' : '';
      const path =
        spec.path.replace('{name}', own).replace('{team}', 'blue').replace('{id}', '0'.repeat(16)) + query;
      for (const caller of CALLERS) {
        const method = spec.method.toUpperCase();
        // A manager's DELETE would remove the workers the later callers of this row need; it runs last below.
        if (method === 'DELETE' && caller === 'manager') continue;
        const res = await h.call(method, path, {
          key: keyFor(caller, keys, own),
          ...(spec.body ? { body: {} } : {}),
        });
        const expected = expectedFor(spec.access, spec.path, caller, method);
        const label = `${method} ${spec.path} as ${caller} → ${res.status}`;
        seen.push(label);
        if (expected === 'allowed') expect([401, 403], label).not.toContain(res.status);
        // The older contract's DELETE of an unknown worker is 204 (idempotent); /api/v1's is 404, as HiClaw's.
        else if (expected === 404 && method === 'DELETE' && !spec.path.startsWith('/api/v1/'))
          expect(res.status, label).toBe(204);
        else expect(res.status, label).toBe(expected);
        // Only the credentials route may be 503 here: no issuer is configured in this harness.
        expect(res.status, label).toBeLessThan(path.endsWith('/credentials/sts') ? 504 : 500);
        if (res.status >= 400) expect(typeof res.json?.message, label).toBe('string');
      }
    }
    const deletes = h.app.routeTable.specs.filter((spec) => spec.method === 'delete').length;
    expect(seen.length).toBe(h.app.routeTable.specs.length * CALLERS.length - deletes);
  });

  it('a malformed key is 401 without touching the store', async () => {
    h.store.resetCounts();
    const res = await h.call('GET', '/workers', { key: `wok_../../etc_${'f'.repeat(64)}` });
    expect(res.status).toBe(401);
    expect(h.store.operations()).toBe(0);
  });

  it('the delete route answers 204 to the manager and 403 to a worker (run last on its own worker)', async () => {
    const carol = await h.call('POST', '/workers', { body: { name: 'carol' } });
    expect((await h.call('DELETE', '/workers/carol', { key: carol.json.api_key })).status).toBe(403);
    expect((await h.call('DELETE', '/workers/carol')).status).toBe(204);
  });
});
