/**
 * Many functions act on one worker at once. Every change is one conditional write, only the holder of the
 * operation lease calls the backend, and intents recorded behind a live lease are picked up by its holder.
 */
import { describe, expect, it } from 'vitest';
import { makeApp, reportReady } from '../../support/app-harness';

type Event = { from: string; to: string; reason: string; seq: number; uid: string };

/** Events newest first → a chain where each transition starts where the previous one ended. */
function expectExplainedBy(events: Event[], finalPhase: string) {
  const transitions = [...events].reverse().filter((e) => e.seq > 0);
  expect(transitions[0]!.from).toBe('none');
  for (let i = 1; i < transitions.length; i++) {
    expect(transitions[i]!.from, `event ${i}: ${JSON.stringify(transitions[i])}`).toBe(
      transitions[i - 1]!.to,
    );
    expect(transitions[i]!.seq).toBe(transitions[i - 1]!.seq + 1);
  }
  expect(transitions.at(-1)!.to).toBe(finalPhase);
}

async function allEvents(h: Awaited<ReturnType<typeof makeApp>>, name: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.call('GET', `/workers/${name}/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    events.push(...page.json.events);
    cursor = page.json.next_cursor;
  } while (cursor);
  return events;
}

describe('concurrency on one worker', () => {
  it('50 mixed concurrent operations end in a valid phase, lose no update, and never overlap backend drivers', async () => {
    const h = await makeApp();
    h.backend.behave('start', { delayMs: 15 });
    h.backend.behave('stop', { delayMs: 15 });
    h.backend.behave('update', { delayMs: 15 });
    const created = await h.call('POST', '/workers', { body: { name: 'busy' } });
    let key = created.json.api_key as string;
    await reportReady(h, 'busy', key);

    const ops: Promise<{ status: number }>[] = [];
    for (let i = 0; i < 50; i++) {
      switch (i % 5) {
        case 0:
          ops.push(h.call('POST', '/workers/busy/stop'));
          break;
        case 1:
          ops.push(h.call('POST', '/workers/busy/start'));
          break;
        case 2:
          // Labels never roll; each PATCH adds its own, so a lost update would show as a missing label.
          ops.push(h.call('PATCH', '/workers/busy', { body: { labels: { [`l${i}`]: String(i) } } }));
          break;
        case 3:
          ops.push(h.call('GET', '/workers/busy'));
          break;
        case 4:
          ops.push(h.call('POST', '/workers/busy/activity?wake=true', { body: { lease_seconds: i } }));
          break;
      }
    }
    const results = await Promise.all(ops);
    for (const r of results) expect(r.status, JSON.stringify(r)).toBeLessThan(500);
    for (const r of results) expect([200, 202, 409]).toContain(r.status);

    // Whatever is left over is finished by whoever comes next (here: a final wake, as a manager would).
    await h.call('POST', '/workers/busy/start');
    const worker = (await h.call('GET', '/workers/busy')).json;
    for (let i = 2; i < 50; i += 5) expect(worker.labels[`l${i}`]).toBe(String(i));
    expect(['starting', 'ready']).toContain(worker.phase);
    expect(h.backend.maxConcurrentPerWorker).toBe(1);
    expectExplainedBy(await allEvents(h, 'busy'), worker.phase);
    key = created.json.api_key;
    expect((await reportReady(h, 'busy', key)).status).toBe(204);
  });

  it('a delete that overlaps a slow create leaves no resource behind', async () => {
    const h = await makeApp();
    h.backend.behave('create', { delayMs: 150 });
    const creating = h.call('POST', '/workers', { body: { name: 'slow' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const deleted = await h.call('DELETE', '/workers/slow');
    expect(deleted.status).toBe(204);
    const created = await creating;
    expect([201, 200]).toContain(created.status);
    expect(h.backend.allResources()).toHaveLength(0);
    expect((await h.call('GET', '/workers/slow')).status).toBe(404);
    expect(h.backend.maxConcurrentPerWorker).toBe(1);
  });

  it('two concurrent wakes start the backend once', async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'twice' } });
    await reportReady(h, 'twice', created.json.api_key);
    await h.call('POST', '/workers/twice/stop');
    h.backend.behave('start', { delayMs: 50 });
    const [a, b] = await Promise.all([
      h.call('POST', '/workers/twice/start'),
      h.call('POST', '/workers/twice/start'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    expect(h.backend.calls.filter((c) => c.step === 'start')).toHaveLength(1);
  });
});

describe('readiness is bound to a boot', () => {
  it("an old instance's heartbeat never makes a new boot ready", async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'zomb' } });
    const key = created.json.api_key as string;
    const resource = () => h.backend.allResources()[0]!;
    const firstInstance = resource().instances[0]!.id;
    expect((await reportReady(h, 'zomb', key, { instance_id: firstInstance })).status).toBe(204);

    // The old instance lingers after the stop (as SAE instances do), so the sleep cannot settle yet.
    h.backend.keepOldInstances = true;
    await h.call('POST', '/workers/zomb/stop');
    expect((await h.call('GET', '/workers/zomb')).json.phase).toBe('stopping');
    h.clock.advance(60_000);
    await h.call('POST', '/workers/zomb/start');
    expect((await h.call('GET', '/workers/zomb')).json.phase).toBe('starting');

    const fromOld = await reportReady(h, 'zomb', key, { instance_id: firstInstance });
    expect(fromOld.status).toBe(409);
    expect(['stale_instance', 'not_ready']).toContain(fromOld.json.code);
    // Without an instance id the backend check still refuses: two instances run, not exactly this boot's one.
    const unnamed = await reportReady(h, 'zomb', key);
    expect(unnamed.status).toBe(409);
    expect((await h.call('GET', '/workers/zomb')).json.phase).toBe('starting');

    h.backend.killZombies();
    const newInstance = resource().instances[0]!.id;
    expect(newInstance).not.toBe(firstInstance);
    expect((await reportReady(h, 'zomb', key, { instance_id: newInstance })).status).toBe(204);
    expect((await h.call('GET', '/workers/zomb')).json.phase).toBe('ready');
    const late = await reportReady(h, 'zomb', key, { instance_id: firstInstance });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('stale_instance');
  });

  it('a report while sleeping is 409 and writes nothing', async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'nap' } });
    await h.call('POST', '/workers/nap/stop');
    h.store.resetCounts();
    const res = await reportReady(h, 'nap', created.json.api_key);
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('invalid_phase');
    expect(h.store.counts.put).toBe(0);
  });

  it('heartbeats never write the record and write beats/ at most every beat_write_interval or when busy flips', async () => {
    const h = await makeApp({ settings: { beatWriteIntervalSeconds: 300 } });
    const created = await h.call('POST', '/workers', { body: { name: 'beat' } });
    const key = created.json.api_key as string;
    await reportReady(h, 'beat', key);
    h.store.resetCounts();
    for (let i = 0; i < 10; i++) {
      h.clock.advance(10_000);
      expect((await reportReady(h, 'beat', key)).status).toBe(204);
    }
    expect(h.store.counts.put).toBe(0);
    expect((await reportReady(h, 'beat', key, { busy: true })).status).toBe(204);
    expect(h.store.counts.put).toBe(1);
    h.clock.advance(300_000);
    expect((await reportReady(h, 'beat', key, { busy: true })).status).toBe(204);
    expect(h.store.counts.put).toBe(2);
    const worker = (await h.call('GET', '/workers/beat')).json;
    expect(worker.last_heartbeat_at).not.toBeNull();
  });
});
