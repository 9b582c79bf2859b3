/**
 * `GET /metrics`: Prometheus text that a strict reader accepts, whose numbers match the state they were computed
 * from, for a manager key only, at a bounded cost.
 */
import { describe, expect, it } from 'vitest';
import { collectFleet, latenciesOf } from '../../src/api/metrics';
import { runSweep } from '../../src/lifecycle';
import { makeApp, reportReady } from '../support/app-harness';
import { parseExposition } from '../support/prometheus-text';

/** A fleet with known latencies: `a` created → ready in 3 s, slept, woken → ready in 1.5 s; `b` asleep. */
async function fleet() {
  const h = await makeApp();
  const a = await h.call('POST', '/workers', { body: { name: 'a', labels: { app: 'x' } } });
  h.clock.advance(3000);
  await reportReady(h, 'a', a.json.api_key);
  await h.call('POST', '/workers/a/sleep');
  h.clock.advance(60_000);
  await h.call('POST', '/workers/a/wake');
  h.clock.advance(1500);
  await reportReady(h, 'a', a.json.api_key);
  const b = await h.call('POST', '/workers', { body: { name: 'b' } });
  await reportReady(h, 'b', b.json.api_key);
  await h.call('POST', '/workers/b/sleep');
  return h;
}

async function metrics(h: Awaited<ReturnType<typeof makeApp>>, key?: string | null) {
  const res = await h.call('GET', '/metrics', key === undefined ? {} : { key });
  return { res, parsed: res.status === 200 ? parseExposition(res.text) : undefined };
}

describe('GET /metrics', () => {
  it('answers Prometheus text that parses, with every family typed', async () => {
    const h = await fleet();
    const { res, parsed } = await metrics(h);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(parsed!.types.get('orchestrator_workers')).toBe('gauge');
    expect(parsed!.types.get('orchestrator_wake_to_ready_seconds')).toBe('histogram');
    expect(parsed!.types.get('orchestrator_sweeper_runs_total')).toBe('counter');
  });

  it('counts workers by phase and backend, zeros included', async () => {
    const h = await fleet();
    const { parsed } = await metrics(h);
    expect(parsed!.value('orchestrator_workers', { phase: 'ready', backend: 'fake' })).toBe(1);
    expect(parsed!.value('orchestrator_workers', { phase: 'sleeping', backend: 'fake' })).toBe(1);
    expect(parsed!.value('orchestrator_workers', { phase: 'failed', backend: 'fake' })).toBe(0);
  });

  it('reads wake → ready and create → ready latencies off the events', async () => {
    const h = await fleet();
    const { parsed } = await metrics(h);
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_count')).toBe(1);
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_sum')).toBeCloseTo(1.5, 1);
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_bucket', { le: '1' })).toBe(0);
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_bucket', { le: '2' })).toBe(1);
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(parsed!.value('orchestrator_create_to_ready_seconds_count')).toBe(2);
    expect(parsed!.value('orchestrator_create_to_ready_seconds_bucket', { le: '5' })).toBe(2);
    expect(parsed!.value('orchestrator_create_to_ready_seconds_bucket', { le: '0.5' })).toBe(1);
  });

  it("counts credential issuances from the workers' event keys", async () => {
    const h = await fleet();
    const record = (await h.repo.read('a'))!.value;
    if (record.kind !== 'worker') throw new Error('a is a worker');
    for (const second of [1, 2, 3]) {
      await h.repo.appendNote(record, {
        at: new Date(h.clock.now() + second * 1000).toISOString(),
        reason: 'credentials_issued',
        actor: 'worker:a',
      });
    }
    const { parsed } = await metrics(h);
    expect(parsed!.value('orchestrator_credentials_issued')).toBe(3);
    // Notes are no transitions: the latencies are the same as without them.
    expect(parsed!.value('orchestrator_wake_to_ready_seconds_count')).toBe(1);
  });

  it("reports the sweeper's runs and store operations from what the sweeper saved in its lease", async () => {
    const h = await fleet();
    const first = await runSweep(h.ctx);
    const second = await runSweep(h.ctx);
    const { parsed } = await metrics(h);
    expect(parsed!.value('orchestrator_sweeper_runs_total')).toBe(2);
    // Each run saves its count before its lease release: the totals are what the runs reported, less the release.
    const released = 1; // one conditional write over the version the run holds
    expect(parsed!.value('orchestrator_sweeper_store_operations_total')).toBe(
      first.store_ops! - released + (second.store_ops! - released),
    );
    expect(parsed!.value('orchestrator_sweeper_last_run_store_operations')).toBe(
      second.store_ops! - released,
    );
    expect(parsed!.value('orchestrator_sweeper_last_run_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('refuses a request without a key (401), and a team or worker key (403)', async () => {
    const h = await makeApp();
    const worker = await h.call('POST', '/workers', { body: { name: 'w' } });
    await h.call('POST', '/teams', { body: { name: 'red', max_workers: 3 } });
    const team = await h.call('POST', '/teams/red/keys');
    expect((await metrics(h, null)).res.status).toBe(401);
    expect((await metrics(h, 'not-a-key')).res.status).toBe(401);
    expect((await metrics(h, team.json.key)).res.status).toBe(403);
    expect((await metrics(h, worker.json.api_key)).res.status).toBe(403);
  });

  it('costs a bounded number of store operations, says when a cap left state unread, and says what it cost', async () => {
    const h = await fleet();
    for (const name of ['c', 'd', 'e']) await h.call('POST', '/workers', { body: { name } });
    const limits = { workers: 3, eventWorkers: 2, eventsPerWorker: 2 };
    const before = h.store.operations();
    const sample = await collectFleet(h.repo, limits);
    const spent = h.store.operations() - before;
    expect(sample.workers).toHaveLength(3);
    expect(sample.truncated).toEqual({ workers: true, events: true });
    // 1 listing + 3 records, 2 × (1 listing + ≤ 2 events), 1 lease read.
    expect(spent).toBeLessThanOrEqual(1 + 3 + 2 * 3 + 1);
    expect(sample.storeOps).toBe(spent);
    const { parsed } = await metrics(h);
    expect(parsed!.value('orchestrator_metrics_truncated', { part: 'workers' })).toBe(0);
    expect(parsed!.value('orchestrator_metrics_store_operations')).toBeGreaterThan(0);
  });

  it('counts deleted workers (tombstones, listed and read like the rest) toward its cap', async () => {
    const h = await makeApp();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) await h.call('POST', '/workers', { body: { name } });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      expect((await h.call('DELETE', `/workers/${name}`)).status).toBeLessThan(300);
    }
    const limits = { workers: 3, eventWorkers: 2, eventsPerWorker: 2 };
    const before = h.store.operations();

    const sample = await collectFleet(h.repo, limits);

    // 1 listing + 3 names read (all tombstones), no events to read, 1 lease read.
    expect(h.store.operations() - before).toBeLessThanOrEqual(1 + 3 + 1);
    expect(sample.workers).toEqual([]);
    expect(sample.truncated.workers).toBe(true);
  });
});

describe('latenciesOf', () => {
  const at = (s: number) => new Date(1_700_000_000_000 + s * 1000).toISOString();
  it('pairs a wake with the next ready of the same incarnation, and drops a wake that slept before it was ready', () => {
    const events = [
      { at: at(0), uid: 'u1', seq: 1, from: 'none', to: 'pending' },
      { at: at(10), uid: 'u1', seq: 2, from: 'starting', to: 'ready' },
      { at: at(20), uid: 'u1', seq: 3, from: 'ready', to: 'stopping' },
      { at: at(21), uid: 'u1', seq: 4, from: 'stopping', to: 'sleeping' },
      { at: at(30), uid: 'u1', seq: 5, from: 'sleeping', to: 'starting' },
      { at: at(31), uid: 'u1', seq: 6, from: 'starting', to: 'stopping' },
      { at: at(40), uid: 'u1', seq: 7, from: 'sleeping', to: 'starting' },
      { at: at(42), uid: 'u1', seq: 8, from: 'starting', to: 'ready' },
    ].reverse();
    expect(latenciesOf(events, { wake: [], create: [] })).toEqual({ wake: [2], create: [10] });
  });

  it('orders transitions that share a millisecond by their sequence (a fast create listed newest first was lost)', () => {
    const events = [
      { at: at(0), uid: 'u2', seq: 3, from: 'starting', to: 'ready' },
      { at: at(0), uid: 'u2', seq: 2, from: 'pending', to: 'starting' },
      { at: at(0), uid: 'u2', seq: 1, from: 'none', to: 'pending' },
    ];
    expect(latenciesOf(events, { wake: [], create: [] })).toEqual({ wake: [], create: [0] });
  });
});
