/**
 * `POST /sweep`, the emulator's "run the sweeper once" (what `npx orchestrator sweep` calls): a manager key runs
 * one reconcile and gets its report; a run that finds the lease held says so instead of pretending it swept.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { registerSweepRoute } from '../../src/api/routes/sweep';
import { DEFAULT_SWEEPER_SETTINGS, runSweep } from '../../src/lifecycle';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

const MIN = 60_000;

async function sweepApp() {
  const h = await makeApp();
  const app = createApp({
    service: h.service,
    extend: (routes, service) => registerSweepRoute(routes, service, DEFAULT_SWEEPER_SETTINGS),
  });
  const sweep = (key: string | null = MANAGER_KEY) =>
    app.request('/sweep', { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { ...h, sweep };
}

/** A worker that is ready and has been idle past its timeout: the next sweep puts it to sleep. */
async function idleWorker(h: Awaited<ReturnType<typeof sweepApp>>, name: string) {
  const created = await h.call('POST', '/workers', { body: { name, idle_timeout_seconds: 600 } });
  expect(created.status).toBe(201);
  expect((await reportReady(h, name, created.json.api_key)).status).toBe(204);
  h.clock.advance(11 * MIN);
}

describe('POST /sweep (emulator only)', () => {
  it('runs the sweeper once for a manager key and answers its report, with the idle worker put to sleep', async () => {
    const h = await sweepApp();
    await idleWorker(h, 'alice');

    const response = await h.sweep();

    expect(response.status).toBe(200);
    const report = (await response.json()) as { ran: boolean; slept: number };
    expect(report).toMatchObject({ ran: true, slept: 1 });
    expect((await h.call('GET', '/workers/alice')).json.desired).toBe('sleeping');
  });

  it('refuses a team key and a request without a key', async () => {
    const h = await sweepApp();
    expect((await h.call('POST', '/teams', { body: { name: 'red' } })).status).toBe(201);
    const teamKey = (await h.call('POST', '/teams/red/keys')).json.key as string;

    expect((await h.sweep(teamKey)).status).toBe(403);
    expect((await h.sweep(null)).status).toBe(401);
  });

  it('answers 409 sweep_running with Retry-After while another run holds the sweeper lease', async () => {
    const h = await sweepApp();
    await idleWorker(h, 'alice');
    h.backend.behave('stop', { hang: true });
    // The scheduled run: it takes the lease and hangs in the backend's stop.
    const scheduled = runSweep(h.ctx, { settings: DEFAULT_SWEEPER_SETTINGS });
    while (!h.backend.calls.some((call) => call.step === 'stop')) await new Promise((r) => setTimeout(r, 5));

    const response = await h.sweep();

    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe('sweep_running');
    expect(response.headers.get('retry-after')).toBe('5');
    h.backend.release();
    expect((await scheduled).ran).toBe(true);
  });
});
