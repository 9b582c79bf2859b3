/**
 * Fleet actions over HTTP against a few hundred workers on the fake backend: selection, the `max` guard, dry runs,
 * per-worker results, team scoping, and that each worker goes through the single request's path.
 */
import { describe, expect, it } from 'vitest';
import { makeApp, reportReady } from '../support/app-harness';

type Harness = Awaited<ReturnType<typeof makeApp>>;

async function fleetOf(h: Harness, count: number, labels: (i: number) => Record<string, string>) {
  const keys = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = `w${String(i).padStart(3, '0')}`;
    const created = await h.call('POST', '/workers', { body: { name, labels: labels(i) } });
    expect(created.status).toBe(201);
    keys.set(name, created.json.api_key);
  }
  return keys;
}

const phases = async (h: Harness) => {
  const counts: Record<string, number> = {};
  let cursor: string | undefined;
  do {
    const page = await h.call(
      'GET',
      `/workers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const w of page.json.workers)
      counts[`${w.labels.group}:${w.desired}`] = (counts[`${w.labels.group}:${w.desired}`] ?? 0) + 1;
    cursor = page.json.next_cursor;
  } while (cursor);
  return counts;
};

describe('POST /workers/actions/{action} on 300 workers (fake backend)', () => {
  it('sleeps exactly the selected 200, one result each, and leaves the other 100 alone', async () => {
    const h = await makeApp();
    await fleetOf(h, 300, (i) => ({ group: i % 3 === 0 ? 'b' : 'a' }));
    const stopsBefore = h.backend.calls.filter((c) => c.step === 'stop').length;
    const slept = await h.call('POST', '/workers/actions/sleep', {
      body: { selector: { labels: { group: 'a' } }, max: 200 },
    });
    expect(slept.status).toBe(200);
    expect(slept.json.matched).toBe(200);
    expect(slept.json.results).toHaveLength(200);
    expect(slept.json.results.every((r: { outcome: string }) => r.outcome === 'began')).toBe(true);
    expect(await phases(h)).toEqual({ 'a:sleeping': 200, 'b:running': 100 });
    // Every selected worker's resource was stopped through its own lease, none of the others.
    expect(h.backend.calls.filter((c) => c.step === 'stop').length - stopsBefore).toBe(200);

    // Again: already there, nothing changes.
    const again = await h.call('POST', '/workers/actions/sleep', {
      body: { selector: { labels: { group: 'a' } }, max: 200 },
    });
    expect(again.json.results.every((r: { outcome: string }) => r.outcome === 'unchanged')).toBe(true);
  });

  it('refuses with 409 max_exceeded naming the count when more match than max, and changes nothing', async () => {
    const h = await makeApp();
    await fleetOf(h, 250, () => ({ group: 'a' }));
    const refused = await h.call('POST', '/workers/actions/delete', {
      body: { selector: { labels: { group: 'a' } }, max: 100 },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('max_exceeded');
    expect(refused.json.matched).toBe(250);
    expect(refused.json.message).toContain('250 workers match');
    expect(h.backend.calls.filter((c) => c.step === 'delete')).toHaveLength(0);
  });

  it('dry_run reports what would change per worker and changes nothing', async () => {
    const h = await makeApp();
    await fleetOf(h, 20, () => ({ group: 'a' }));
    await h.call('POST', '/workers/w000/sleep');
    const callsBefore = h.backend.calls.length;
    const planned = await h.call('POST', '/workers/actions/wake', {
      body: { selector: { labels: { group: 'a' } }, max: 20, dry_run: true },
    });
    expect(planned.status).toBe(200);
    expect(planned.json.dry_run).toBe(true);
    expect(planned.json.results[0]).toEqual({ name: 'w000', outcome: 'would_act' });
    expect(planned.json.results.slice(1).every((r: { outcome: string }) => r.outcome === 'unchanged')).toBe(
      true,
    );
    expect(h.backend.calls.length).toBe(callsBefore);
    expect((await h.call('GET', '/workers/w000')).json.desired).toBe('sleeping');
  });

  it("reports per-worker failures with the single request's code (deletion protection) and deletes the rest", async () => {
    const h = await makeApp();
    await fleetOf(h, 5, () => ({ group: 'a' }));
    await h.call('PATCH', '/workers/w002', { body: { deletion_protection: true } });
    const deleted = await h.call('POST', '/workers/actions/delete', {
      body: { selector: { names: ['w000', 'w001', 'w002', 'nope'] }, max: 10 },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.json.matched).toBe(3);
    expect(deleted.json.results).toEqual([
      { name: 'w000', outcome: 'deleted' },
      { name: 'w001', outcome: 'deleted' },
      expect.objectContaining({ name: 'w002', outcome: 'failed', code: 'deletion_protected' }),
    ]);
    expect((await h.call('GET', '/workers/w000')).status).toBe(404);
    expect((await h.call('GET', '/workers/w002')).status).toBe(200);
  });

  it('ensure-ready wakes the selected sleepers and says which are ready now', async () => {
    const h = await makeApp();
    const keys = await fleetOf(h, 4, () => ({ group: 'a' }));
    await reportReady(h, 'w000', keys.get('w000')!);
    await h.call('POST', '/workers/actions/sleep', {
      body: { selector: { names: ['w002', 'w003'] }, max: 2 },
    });
    const ensured = await h.call('POST', '/workers/actions/ensure-ready', {
      body: { selector: { labels: { group: 'a' } }, max: 4 },
    });
    expect(ensured.json.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'ready',
      'not_ready',
      'not_ready',
      'not_ready',
    ]);
    expect((await h.call('GET', '/workers/w003')).json.desired).toBe('running');
  });

  it("a team key acts only on its own team's workers, and may not force", async () => {
    const h = await makeApp();
    await h.call('POST', '/teams', { body: { name: 'red', max_workers: 5, allowed_images: ['img:team'] } });
    const teamKey = (await h.call('POST', '/teams/red/keys')).json.key as string;
    await h.call('POST', '/workers', {
      key: teamKey,
      body: { name: 'red1', image: 'img:team', labels: { g: 'x' } },
    });
    await h.call('POST', '/workers', { body: { name: 'blue1', labels: { g: 'x' } } });
    const slept = await h.call('POST', '/workers/actions/sleep', {
      key: teamKey,
      body: { selector: { labels: { g: 'x' } }, max: 5 },
    });
    expect(slept.json.results).toEqual([{ name: 'red1', outcome: 'began' }]);
    const byName = await h.call('POST', '/workers/actions/sleep', {
      key: teamKey,
      body: { selector: { names: ['blue1'] }, max: 5 },
    });
    expect(byName.json.matched).toBe(0);
    const otherTeam = await h.call('POST', '/workers/actions/wake', {
      key: teamKey,
      body: { selector: { team: 'blue' }, max: 5 },
    });
    expect(otherTeam.json).toMatchObject({ matched: 0, results: [] });
    expect((await h.call('GET', '/workers/blue1')).json.desired).toBe('running');
    const forced = await h.call('POST', '/workers/actions/delete', {
      key: teamKey,
      body: { selector: { names: ['red1'] }, max: 1, force: true },
    });
    expect(forced.status).toBe(403);
  });

  it('refuses a missing max, an empty selector and an unknown action with 4xx naming the problem', async () => {
    const h = await makeApp();
    const noMax = await h.call('POST', '/workers/actions/sleep', { body: { selector: { team: 'red' } } });
    expect(noMax.status).toBe(400);
    expect(noMax.json.field).toBe('max');
    const empty = await h.call('POST', '/workers/actions/sleep', { body: { selector: {}, max: 5 } });
    expect(empty.status).toBe(400);
    expect(empty.json.field).toBe('selector');
    expect(
      (await h.call('POST', '/workers/actions/reboot', { body: { selector: { team: 'x' }, max: 1 } })).status,
    ).toBe(404);
  });
});
