/**
 * The bounded fuzz run over the HTTP API: generated paths, query strings, bodies, keys and content types against
 * every route of an in-process orchestrator. `test/api/bad-input.property.test.ts` runs it as a property (no 5xx,
 * every error JSON with a message and a code); `npm run bench` runs it again and prints what it tried.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
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
const authorization = fc.oneof(
  fc.constant(`Bearer ${MANAGER_KEY}`),
  fc.constant('worker'),
  fc.constant(undefined),
  fc.string({ maxLength: 100 }),
  fc.string({ maxLength: 64 }).map((s) => `Bearer wok_alice_${s}`),
);

export interface FuzzCounts {
  runs: number;
  /** Answers by status class (`2xx`, `4xx` …) and by status. */
  by_class: Record<string, number>;
  by_status: Record<string, number>;
  /** Requests per route, `METHOD /path`. */
  routes: number;
}

/** A fresh orchestrator with one worker (`alice`), for a fuzz run. */
export async function fuzzTarget() {
  const h = await makeApp({ settings: { ensureReadyMaxSeconds: 0 } });
  const workerKey = (await h.call('POST', '/workers', { body: { name: 'alice' } })).json.api_key as string;
  return { h, workerKey };
}

/** Runs `numRuns` generated requests; throws (with the request) on a 5xx or an error that is not JSON. */
export async function runApiFuzz(
  target: { h: AppHarness; workerKey: string },
  numRuns: number,
  seed?: number,
): Promise<FuzzCounts> {
  const { h, workerKey } = target;
  const specs = h.app.routeTable.specs;
  const counts: FuzzCounts = { runs: 0, by_class: {}, by_status: {}, routes: specs.length };
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: specs.length - 1 }),
      segment,
      queryString,
      body,
      authorization,
      // Mostly JSON, so most requests get past the content-type check (415) to the route's own validation.
      fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 6 },
        {
          arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined),
          weight: 2,
        },
      ),
      async (index, name, query, rawBody, auth, contentType) => {
        const spec = specs[index]!;
        const headers: Record<string, string> = {};
        if (auth === 'worker') headers.authorization = `Bearer ${workerKey}`;
        else if (auth !== undefined) headers.authorization = auth;
        if (contentType) headers['content-type'] = contentType;
        const path = spec.path.replace('{name}', name) + query;
        const method = spec.method.toUpperCase();
        const res = await h.app.request(path, {
          method,
          headers,
          ...(method === 'GET' ? {} : { body: rawBody }),
        });
        const text = await res.text();
        counts.runs++;
        const cls = `${String(res.status)[0]}xx`;
        counts.by_class[cls] = (counts.by_class[cls] ?? 0) + 1;
        counts.by_status[res.status] = (counts.by_status[res.status] ?? 0) + 1;
        expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const json = JSON.parse(text);
          expect(typeof json.message).toBe('string');
          expect(typeof json.code).toBe('string');
        }
      },
    ),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  );
  return counts;
}
