/**
 * Team-leader keys: a team key manages only its team's workers, within the team's quota, and only the fields a
 * team leader may set (the README's "What each key can do"); everything else is manager-only (403 naming the
 * field).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type AppHarness, makeApp } from '../support/app-harness';

let h: AppHarness;
let teamKey: string;

beforeEach(async () => {
  h = await makeApp();
  expect(
    (
      await h.call('POST', '/teams', {
        body: { name: 'red', max_workers: 3, allowed_images: ['img:team'], max_ttl_seconds: 3600 },
      })
    ).status,
  ).toBe(201);
  const minted = await h.call('POST', '/teams/red/keys');
  expect(minted.status).toBe(201);
  teamKey = minted.json.key;
});

describe('team keys', () => {
  it('create a worker that belongs to their team and list only their team', async () => {
    const created = await h.call('POST', '/workers', {
      key: teamKey,
      body: { name: 'r1', image: 'img:team' },
    });
    expect(created.status).toBe(201);
    expect(created.json.team).toBe('red');
    await h.call('POST', '/workers', { body: { name: 'other' } });
    const listed = await h.call('GET', '/workers', { key: teamKey });
    expect(listed.json.workers.map((w: { name: string }) => w.name)).toEqual(['r1']);
    expect((await h.call('GET', '/workers')).json.workers).toHaveLength(2);
  });

  it("get the answer for an unknown worker on another team's or the manager's workers, on every per-worker route", async () => {
    // A 403 told a team key which names other tenants use; now "not yours" and "not there" answer alike.
    await h.call('POST', '/workers', { body: { name: 'other' } });
    for (const [method, path] of [
      ['GET', '/workers/other'],
      ['POST', '/workers/other/stop'],
      ['POST', '/workers/other/start'],
      ['PATCH', '/workers/other'],
      ['DELETE', '/workers/other'],
      ['POST', '/workers/other/keys'],
      ['GET', '/workers/other/events'],
      ['POST', '/workers/other/activity'],
    ] as const) {
      const res = await h.call(method, path, {
        key: teamKey,
        ...(method === 'PATCH' ? { body: { labels: {} } } : {}),
      });
      const unknown = await h.call(method, path.replace('other', 'nobody'), {
        key: teamKey,
        ...(method === 'PATCH' ? { body: { labels: {} } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(unknown.status);
      expect(res.status, `${method} ${path}`).toBe(method === 'DELETE' ? 204 : 404);
      expect(res.text.replaceAll('other', 'nobody'), `${method} ${path}`).toBe(unknown.text);
    }
    expect((await h.call('GET', '/workers/other')).json.phase).not.toBe('deleting');
  });

  it('are refused manager-only fields with 403 naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'x1', network: 'host' }, 'network'],
      [{ name: 'x2', backend: 'fake' }, 'backend'],
      [{ name: 'x3', team: 'blue' }, 'team'],
      [{ name: 'x4', extra_hosts: ['a:1.2.3.4'] }, 'extra_hosts'],
      [{ name: 'x5', deletion_protection: true }, 'deletion_protection'],
      [{ name: 'x6', image: 'img:not-allowed' }, 'image'],
      [{ name: 'x7', ttl_seconds: 7200 }, 'ttl_seconds'],
    ] as const) {
      const res = await h.call('POST', '/workers', { key: teamKey, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.json.field, JSON.stringify(body)).toBe(field);
    }
    expect((await h.call('GET', '/teams/red')).json.workers).toEqual([]);
  });

  it('get the team lifetime by default, and may shorten but never extend it', async () => {
    const created = await h.call('POST', '/workers', { key: teamKey, body: { name: 'r1' } });
    const expires = Date.parse(created.json.expires_at);
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    const shorter = await h.call('PATCH', '/workers/r1', { key: teamKey, body: { ttl_seconds: 600 } });
    expect(shorter.status).toBe(200);
    const longer = await h.call('PATCH', '/workers/r1', { key: teamKey, body: { ttl_seconds: 3000 } });
    expect(longer.status).toBe(403);
    expect(longer.json.field).toBe('ttl_seconds');
    const cleared = await h.call('PATCH', '/workers/r1', { key: teamKey, body: { expires_at: null } });
    expect(cleared.status).toBe(403);
    expect((await h.call('PATCH', '/workers/r1', { body: { ttl_seconds: 90_000 } })).status).toBe(200);
  });

  it('stop working once revoked', async () => {
    const id = (await h.call('GET', '/teams/red')).json.keys[0].id;
    expect((await h.call('DELETE', `/teams/red/keys/${id}`)).status).toBe(204);
    expect((await h.call('GET', '/workers', { key: teamKey })).status).toBe(401);
  });

  it('cannot manage teams', async () => {
    expect((await h.call('POST', '/teams', { key: teamKey, body: { name: 'mine' } })).status).toBe(403);
    expect((await h.call('POST', '/teams/red/keys', { key: teamKey })).status).toBe(403);
  });
});

describe('team quotas', () => {
  it('hold under 10 concurrent creates: exactly max_workers succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.call('POST', '/workers', { key: teamKey, body: { name: `q${i}` } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    for (const r of results.filter((r) => r.status === 409)) expect(r.json.code).toBe('quota_exceeded');
    expect((await h.call('GET', '/workers', { key: teamKey })).json.workers).toHaveLength(3);
    expect((await h.call('GET', '/teams/red')).json.workers).toHaveLength(3);
  });

  it('free a slot when a worker is deleted, and count manager-created team workers too', async () => {
    await h.call('POST', '/workers', { body: { name: 'm1', team: 'red' } });
    await h.call('POST', '/workers', { key: teamKey, body: { name: 'r1' } });
    await h.call('POST', '/workers', { key: teamKey, body: { name: 'r2' } });
    expect((await h.call('POST', '/workers', { key: teamKey, body: { name: 'r3' } })).status).toBe(409);
    expect((await h.call('DELETE', '/workers/r1', { key: teamKey })).status).toBe(204);
    expect((await h.call('POST', '/workers', { key: teamKey, body: { name: 'r3' } })).status).toBe(201);
  });

  it('give the slot back when the backend refuses the create', async () => {
    await h.call('PATCH', '/teams/red', { body: { max_workers: 1, allowed_images: ['img:missing'] } });
    expect(
      (await h.call('POST', '/workers', { key: teamKey, body: { name: 'r1', image: 'img:missing' } })).status,
    ).toBe(400);
    expect((await h.call('POST', '/workers', { key: teamKey, body: { name: 'r2' } })).status).toBe(201);
  });

  it('a create naming a team that does not exist is 400 naming team', async () => {
    const res = await h.call('POST', '/workers', { body: { name: 'z', team: 'nope' } });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe('team');
  });
});
