/**
 * Schedules inside the emulator (workerd, R2 emulation): cron patterns are read in a named zone by workerd's own
 * `Intl` (croner asks it for the zone's offsets), and a bad zone is refused there as it is in-process.
 */
import { expect, it } from 'vitest';
import { describeWithDocker, probeDockerEngine, useTestEmulator } from '../../support/emulator';

const probe = await probeDockerEngine();

describeWithDocker('schedules on the emulator', probe, () => {
  const emu = useTestEmulator();

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${emu.managerKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  it('stores a label schedule in Europe/Berlin with its next time at 09:00 Berlin, and refuses an unknown zone', async () => {
    const made = await send('PUT', '/schedules/office-hours', {
      labels: { shift: 'office' },
      wake: '0 9 * * *',
      time_zone: 'Europe/Berlin',
    });
    expect(made.status).toBe(201);
    const at = new Date(made.json.next_action.at);
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    }).format(at);
    expect(made.json.next_action.kind).toBe('wake');
    expect(berlin).toBe('09:00');
    expect(at.getTime()).toBeGreaterThan(Date.now());

    const bad = await send('PUT', '/schedules/bad', {
      labels: { a: 'b' },
      wake: '0 9 * * *',
      time_zone: 'Mars/Base',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('time_zone');
    expect((await send('DELETE', '/schedules/office-hours')).status).toBe(204);
  });
});
