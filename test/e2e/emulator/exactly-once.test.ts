/**
 * Idempotency keys, ETags and fleet actions inside the emulator (workerd, R2 emulation, a real Docker engine):
 * the request cloning, the conditional writes on R2 and the route order hold there as they do in-process.
 */
import { expect, it } from 'vitest';
import { describeWithDocker, probeDockerEngine, useTestEmulator } from '../../support/emulator';

const probe = await probeDockerEngine();

describeWithDocker('exactly-once control on the emulator', probe, () => {
  const emu = useTestEmulator();

  const send = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${emu.managerKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };

  it('replays a keyed create, refuses a stale If-Match, and sleeps a selected fleet', async () => {
    const key = { 'idempotency-key': 'emu-create-1' };
    const first = await send('POST', '/workers', key, { name: 'once', labels: { batch: 'e2e' } });
    expect(first.status).toBe(201);
    const again = await send('POST', '/workers', key, { name: 'once', labels: { batch: 'e2e' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.uid).toBe(first.json.uid);
    expect(again.json.api_key).toBeUndefined();
    expect((await send('POST', '/workers', key, { name: 'other' })).status).toBe(422);

    const stale = (await send('GET', '/workers/once', {})).headers.get('etag')!;
    expect(stale).toMatch(/^"\d+\./);
    await send('PATCH', '/workers/once', {}, { labels: { touched: 'yes' } });
    expect((await send('POST', '/workers/once/sleep', { 'if-match': stale })).status).toBe(412);

    const slept = await send(
      'POST',
      '/workers/actions/sleep',
      {},
      { selector: { labels: { batch: 'e2e' } }, max: 1 },
    );
    expect(slept.status).toBe(200);
    expect(slept.json.results).toEqual([{ name: 'once', outcome: 'began' }]);
  }, 60_000);
});
