/**
 * The bounded fuzz run over the HTTP API: generated paths, query strings, bodies, keys and content types against
 * every route of an in-process orchestrator, both contracts and the credentials routes included.
 * `test/api/bad-input.property.test.ts` runs it as a property (no 5xx, every error JSON with a message and a code);
 * `npm run bench` runs it again and prints what it tried.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import type { CredentialIssuer } from '../../src/credentials/port';
import { v1WorkerBody } from './api-fuzz-v1';
import { type AppHarness, MANAGER_KEY, makeApp } from './app-harness';

const segment = fc.oneof(
  fc.constantFrom(
    'alice',
    'nobody',
    'ALICE',
    '-x',
    'a'.repeat(64),
    '..',
    '%2e%2e',
    '%00',
    'a%2Fb',
    'é',
    '1abc',
    // A team member made through /api/v1, an unmanaged worker, and team names.
    'bob',
    'remote',
    'blue',
    'red',
  ),
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
);
const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'limit',
          'cursor',
          'label',
          'status',
          'phase',
          'team',
          'refresh',
          'force',
          'wake',
          'timeout_seconds',
          'tail',
          'x',
        ),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.integer().map(String),
          fc.constantFrom('true', '-1', '1e9', 'a=b', ''),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
);
const body = fc.oneof(
  v1WorkerBody,
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc
    .record(
      {
        name: fc.oneof(fc.string({ maxLength: 70 }), fc.constant('bob'), fc.integer()),
        image: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
        env: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
          fc.string(),
        ),
        labels: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })),
        ttl_seconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
        idle_timeout_seconds: fc.oneof(fc.integer(), fc.string()),
        resources: fc.jsonValue({ maxDepth: 2 }),
        busy: fc.jsonValue({ maxDepth: 1 }),
        lease_seconds: fc.jsonValue({ maxDepth: 1 }),
        expires_at: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
);
/** Who calls: a known key by role (resolved per target), or anything at all. */
const authorization = fc.oneof(
  // Mostly known keys, so most requests get past authentication to the route's own validation.
  { arbitrary: fc.constantFrom('manager', 'worker', 'v1-worker', 'team'), weight: 6 },
  fc.constant(undefined),
  fc.string({ maxLength: 100 }),
  fc.string({ maxLength: 64 }).map((s) => `Bearer wok_alice_${s}`),
);

export interface FuzzCounts {
  runs: number;
  /** Answers by status class (`2xx`, `4xx` …) and by status. */
  by_class: Record<string, number>;
  by_status: Record<string, number>;
  /** How many routes the fuzz draws from. */
  routes: number;
  /** Requests to `/api/v1` routes, and how many of them were answered 2xx (got past auth and validation). */
  v1_runs: number;
  v1_2xx: number;
  /** Routes no request reached (`METHOD /path`): empty unless the route table changed under the run. */
  untried: string[];
}

/** Issues made-up credentials at once: the fuzz is about the route's input handling, not an STS service. */
const fuzzIssuer: CredentialIssuer = {
  provider: 'aliyun',
  async issue(req) {
    return {
      provider: 'aliyun',
      accessKeyId: 'STS.fuzz',
      accessKeySecret: 'fuzz-secret',
      securityToken: 'fuzz-token',
      expiration: new Date(Date.now() + req.durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      endpoint: 'https://oss.example.invalid',
      bucket: 'fuzz',
      prefixes: [`agents/${req.workerName}/`, 'shared/'],
    };
  },
  async health() {
    return { ok: true, message: 'fuzz issuer' };
  },
};

type Role = 'manager' | 'worker' | 'v1-worker' | 'team';
const ROLES: readonly string[] = ['manager', 'worker', 'v1-worker', 'team'] satisfies Role[];

export interface FuzzTarget {
  h: AppHarness;
  /** The current key of a role: a worker's follows its rotations and re-creations, so it stays a known key. */
  key(role: Role): string;
}

/**
 * A fresh orchestrator with the credentials routes, a worker made through each contract (`alice` through
 * `/workers`, `bob` through `/api/v1` into team `blue`), an unmanaged one (`remote`), and a key of each role.
 */
export async function fuzzTarget(): Promise<FuzzTarget> {
  const h = await makeApp({ settings: { ensureReadyMaxSeconds: 0 } });
  registerCredentialRoutes(h.app.routeTable, h.service, fuzzIssuer, 3600);
  const first = (await h.call('POST', '/workers', { body: { name: 'alice' } })).json.api_key as string;
  await h.call('POST', '/teams', { body: { name: 'blue' } });
  const team = (await h.call('POST', '/teams/blue/keys')).json.key as string;
  await h.call('POST', '/api/v1/workers', { key: team, body: { name: 'bob', model: 'm' } });
  await h.call('POST', '/api/v1/workers', { body: { name: 'remote', containerManaged: false } });
  const current = (name: string) =>
    h.backend.allResources().findLast((r) => r.spec.name === name)?.spec.env.HICLAW_AUTH_TOKEN;
  return {
    h,
    key: (role) => {
      if (role === 'manager') return MANAGER_KEY;
      if (role === 'team') return team;
      return current(role === 'worker' ? 'alice' : 'bob') ?? first;
    },
  };
}

/**
 * Runs `numRuns` requests, the first one per route (a manager's, with `{}`) and the rest generated; throws (with
 * the request) on a 5xx or an error that is not JSON.
 */
export async function runApiFuzz(target: FuzzTarget, numRuns: number, seed?: number): Promise<FuzzCounts> {
  const { h } = target;
  const specs = h.app.routeTable.specs;
  const counts: FuzzCounts = {
    runs: 0,
    by_class: {},
    by_status: {},
    routes: specs.length,
    v1_runs: 0,
    v1_2xx: 0,
    untried: [],
  };
  const tried = new Set<number>();
  const contentType = fc.oneof(
    // Mostly JSON, so most requests get past the content-type check (415) to the route's own validation.
    { arbitrary: fc.constant('application/json'), weight: 6 },
    {
      arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined),
      weight: 2,
    },
  );
  type Request = [number, string, string, string, string | undefined, string | undefined];
  // Every route once, whatever the random draw, so a route added to the table is always fuzzed at least once.
  const examples = specs.map(
    (_, index): Request => [index, 'alice', '', '{}', 'manager', 'application/json'],
  );
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: specs.length - 1 }),
      segment,
      queryString,
      body,
      authorization,
      contentType,
      async (index, name, query, rawBody, auth, type) => {
        const spec = specs[index]!;
        const headers: Record<string, string> = {};
        if (auth && ROLES.includes(auth)) headers.authorization = `Bearer ${target.key(auth as Role)}`;
        else if (auth !== undefined) headers.authorization = auth;
        if (type) headers['content-type'] = type;
        const path = spec.path.replace('{name}', name).replace('{team}', name).replace('{id}', name) + query;
        const method = spec.method.toUpperCase();
        const res = await h.app.request(path, {
          method,
          headers,
          ...(method === 'GET' ? {} : { body: rawBody }),
        });
        const text = await res.text();
        counts.runs++;
        tried.add(index);
        const cls = `${String(res.status)[0]}xx`;
        counts.by_class[cls] = (counts.by_class[cls] ?? 0) + 1;
        counts.by_status[res.status] = (counts.by_status[res.status] ?? 0) + 1;
        if (spec.path.startsWith('/api/v1/')) {
          counts.v1_runs++;
          if (cls === '2xx') counts.v1_2xx++;
        }
        expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const json = JSON.parse(text);
          expect(typeof json.message).toBe('string');
          expect(typeof json.code).toBe('string');
        }
      },
    ),
    { numRuns, examples, ...(seed === undefined ? {} : { seed }) },
  );
  counts.untried = specs.filter((_, i) => !tried.has(i)).map((s) => `${s.method.toUpperCase()} ${s.path}`);
  return counts;
}
