/**
 * Property: whatever body, path segment, query string or headers arrive, no route answers 5xx, and every error is
 * JSON with a `message` and a `code`. Bad input must be a 4xx that names the problem, never a 500.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type FuzzTarget, fuzzTarget, runApiFuzz } from '../support/api-fuzz';
import type { AppHarness } from '../support/app-harness';

let target: FuzzTarget;
let h: AppHarness;

beforeAll(async () => {
  target = await fuzzTarget();
  ({ h } = target);
});

describe('bad input never becomes a 5xx', () => {
  it('every route of both contracts and the credentials routes answers generated requests with < 500 and JSON errors carrying message and code', async () => {
    const counts = await runApiFuzz(target, 600);
    expect(counts.runs).toBeGreaterThanOrEqual(600);
    expect(counts.untried).toEqual([]);
    const paths = h.app.routeTable.specs.map((s) => s.path);
    expect(paths).toContain('/api/v1/credentials/sts');
    expect(paths.filter((p) => p.startsWith('/api/v1/')).length).toBeGreaterThanOrEqual(15);
    // Some /api/v1 requests got past auth and validation into the lifecycle, not only 4xx at the door.
    expect(counts.v1_2xx).toBeGreaterThan(0);
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
