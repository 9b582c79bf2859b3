/**
 * Schedules over the HTTP API, in process: the `schedule` field on create and PATCH (a 400 naming the field and
 * the problem for a bad pattern or zone), the worker showing it and its next scheduled action, and a real HTTP
 * receiver on loopback verifying the signed `worker.slept` with reason `schedule` that the sweeper's scheduled
 * sleep sends. The fake backend runs the workers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../src/lifecycle';
import { makeApp, reportReady } from '../support/app-harness';
import { type WebhookReceiver, webhookReceiver } from '../support/webhook-receiver';

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('the schedule field', () => {
  it.each([
    [{ wake: '0 9 * * 1-8' }, 'schedule.wake', 'not a valid cron pattern'],
    [{ sleep: '0 0 19 * * *' }, 'schedule.sleep', 'five fields'],
    [{ wake: '0 9 * * *', time_zone: 'Europe/Atlantis' }, 'schedule.time_zone', 'unknown time zone'],
    [{ time_zone: 'UTC' }, 'schedule.wake', 'at least one of wake and sleep'],
    [{ wake: '0 9 * * *', at: 'noon' }, 'schedule.at', 'unknown field'],
  ])('refuses %j on create with a 400 naming %s', async (schedule, field, problem) => {
    const h = await makeApp({ webhooks: false });
    const made = await h.call('POST', '/workers', { body: { name: 'alice', schedule } });
    expect(made.status).toBe(400);
    expect(made.json).toMatchObject({ field, code: 'invalid_request' });
    expect(made.json.message).toContain(problem);
    expect((await h.call('GET', '/workers/alice')).status).toBe(404);
  });

  it('is set on create, shown with the next scheduled action, replaced by PATCH, and removed by null', async () => {
    const h = await makeApp({ webhooks: false });
    const schedule = { wake: '0 9 * * 1-5', sleep: '0 19 * * 1-5', time_zone: 'Europe/Berlin' };
    const made = await h.call('POST', '/workers', {
      body: { name: 'alice', idle_timeout_seconds: 0, schedule },
    });
    expect(made.status).toBe(201);
    expect(made.json.schedule).toEqual(schedule);
    expect((await reportReady(h, 'alice', made.json.api_key)).status).toBe(204);
    // A ready worker with no idle timeout and no lifetime: its next action is the schedule's next time.
    expect(['wake', 'sleep']).toContain((await h.call('GET', '/workers/alice')).json.next_action.kind);

    const bad = await h.call('PATCH', '/workers/alice', { body: { schedule: { sleep: '61 * * * *' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('schedule.sleep');

    const patched = await h.call('PATCH', '/workers/alice', { body: { schedule: { wake: '30 6 * * *' } } });
    expect(patched.status).toBe(200);
    expect(patched.json.schedule).toEqual({ wake: '30 6 * * *', time_zone: 'UTC' });
    expect(patched.json.next_action.kind).toBe('wake');
    expect(patched.json.next_action.at).toMatch(/T06:30:00\.000Z$/);

    const removed = await h.call('PATCH', '/workers/alice', { body: { schedule: null } });
    expect(removed.status).toBe(200);
    expect(removed.json).not.toHaveProperty('schedule');
    expect(removed.json.next_action).toBe(null);
  });
});

describe('a scheduled sleep, events out', () => {
  it('sends worker.slept with reason schedule, signed and verified by a real receiver', async () => {
    const h = await makeApp({ webhooks: true });
    receiver = await webhookReceiver();
    const endpoint = await h.call('POST', '/webhooks', { body: { url: receiver.url } });
    receiver.trust(endpoint.json.secret);
    const made = await h.call('POST', '/workers', {
      body: { name: 'alice', idle_timeout_seconds: 0, schedule: { sleep: '* * * * *' } },
    });
    expect(made.status).toBe(201);
    expect((await reportReady(h, 'alice', made.json.api_key)).status).toBe(204);

    h.clock.advance(2 * 60_000);
    await runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });

    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual(['worker.created', 'worker.ready', 'worker.slept']);
    expect(receiver.received[2]!.data).toMatchObject({
      name: 'alice',
      reason: 'schedule',
      phase: 'sleeping',
    });
  });
});

describe('label schedules over the API', () => {
  it('creates (201), replaces (200), reads, lists and deletes (204, twice) a label schedule', async () => {
    const h = await makeApp({ webhooks: false });
    const body = {
      labels: { shift: 'office' },
      wake: '0 9 * * 1-5',
      sleep: '0 19 * * 1-5',
      time_zone: 'Europe/Berlin',
    };
    const made = await h.call('PUT', '/schedules/office-hours', { body });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ id: 'office-hours', ...body });
    expect(['wake', 'sleep']).toContain(made.json.next_action.kind);

    expect((await h.call('PUT', '/schedules/office-hours', { body })).status).toBe(200);
    const replaced = await h.call('PUT', '/schedules/office-hours', {
      body: { ...body, sleep: '0 18 * * 1-5' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.sleep).toBe('0 18 * * 1-5');
    expect((await h.call('GET', '/schedules/office-hours')).json.sleep).toBe('0 18 * * 1-5');
    expect((await h.call('GET', '/schedules')).json.schedules.map((s: { id: string }) => s.id)).toEqual([
      'office-hours',
    ]);

    expect((await h.call('DELETE', '/schedules/office-hours')).status).toBe(204);
    expect((await h.call('DELETE', '/schedules/office-hours')).status).toBe(204);
    expect((await h.call('GET', '/schedules/office-hours')).status).toBe(404);
  });

  it.each([
    [{ labels: {}, sleep: '0 19 * * *' }, 'labels'],
    [{ labels: { a: 'b' }, sleep: '0 19 * * 8' }, 'sleep'],
    [{ labels: { a: 'b' }, wake: '0 9 * * *', time_zone: 'Nowhere/City' }, 'time_zone'],
    [{ labels: { a: 'b' } }, 'wake'],
    [{ sleep: '0 19 * * *' }, 'labels'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const h = await makeApp({ webhooks: false });
    const put = await h.call('PUT', '/schedules/s1', { body });
    expect(put.status).toBe(400);
    expect(put.json.field).toBe(field);
  });

  it('answers 403 to a team key', async () => {
    const h = await makeApp({ webhooks: false });
    expect((await h.call('POST', '/teams', { body: { name: 'research' } })).status).toBe(201);
    const key = (await h.call('POST', '/teams/research/keys')).json.key;
    const put = await h.call('PUT', '/schedules/s1', {
      body: { labels: { a: 'b' }, sleep: '0 19 * * *' },
      key,
    });
    expect(put.status).toBe(403);
  });
});

describe('who may set a schedule', () => {
  it('refuses a team key the schedule field with a 403 naming it', async () => {
    const h = await makeApp({ webhooks: false });
    expect((await h.call('POST', '/teams', { body: { name: 'research' } })).status).toBe(201);
    const key = (await h.call('POST', '/teams/research/keys')).json.key;
    const made = await h.call('POST', '/workers', {
      body: { name: 'alice', schedule: { sleep: '0 19 * * *' } },
      key,
    });
    expect(made.status).toBe(403);
    expect(made.json.message).toContain('schedule');
  });
});
