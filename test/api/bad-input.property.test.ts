/**
 * Property: whatever body, path segment, query string or headers arrive, no route answers 5xx, and every error is
 * JSON with a `message` and a `code`. Bad input must be a 4xx that names the problem, never a 500.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppHarness, MANAGER_KEY, makeApp } from '../support/app-harness';

let h: AppHarness;
let workerKey: string;

beforeAll(async () => {
  h = await makeApp({ settings: { ensureReadyMaxSeconds: 0 } });
  workerKey = (await h.call('POST', '/workers', { body: { name: 'alice' } })).json.api_key;
});

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

describe('bad input never becomes a 5xx', () => {
  it('every route answers generated requests with < 500 and JSON errors carrying message and code', async () => {
    const specs = h.app.routeTable.specs;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: specs.length - 1 }),
        segment,
        queryString,
        body,
        authorization,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
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
          expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) {
            const json = JSON.parse(text);
            expect(typeof json.message).toBe('string');
            expect(typeof json.code).toBe('string');
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('an oversized body is 413 and a non-object body is 400 naming body', async () => {
    const big = await h.call('POST', '/workers', {
      raw: JSON.stringify({ name: 'x', env: { A: 'x'.repeat(70_000) } }),
    });
    expect(big.status).toBe(413);
    const list = await h.call('POST', '/workers', { raw: '[1,2]' });
    expect(list.status).toBe(400);
    expect(list.json.field).toBe('body');
    const broken = await h.call('POST', '/workers', { raw: '{"name":' });
    expect(broken.status).toBe(400);
    expect(broken.json.message).toContain('not valid JSON');
  });

  it('names the field for wrong types, unknown fields and unknown enum values', async () => {
    const cases: [unknown, string][] = [
      [{ name: 5 }, 'name'],
      [{}, 'name'],
      [{ name: 'ok', runtime: 'java' }, 'runtime'],
      [{ name: 'ok', colour: 'red' }, 'colour'],
      [{ name: 'ok', env: { A: 1 } }, 'env.A'],
      [{ name: 'ok', resources: { cpu_millicores: 'lots' } }, 'resources.cpu_millicores'],
      [{ name: 'Bad_Name' }, 'name'],
      [{ name: 'ok', labels: { 'orchestrator.uid': 'x' } }, 'labels.orchestrator.uid'],
    ];
    for (const [payload, field] of cases) {
      const res = await h.call('POST', '/workers', { body: payload });
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.json.field, JSON.stringify(payload)).toBe(field);
      expect(res.json.message).toContain(field.split('.')[0]!);
    }
    const phase = await h.call('GET', '/workers?phase=dreaming');
    expect(phase.status).toBe(400);
    expect(phase.json.field).toBe('phase');
  });
});
