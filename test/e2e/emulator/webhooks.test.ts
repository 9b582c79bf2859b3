/**
 * The "done when", on the real local emulator (workerd, the fake backend, so no engine is needed): a
 * manager registers an endpoint, creates a worker, and a real receiver on loopback gets worker.created,
 * worker.ready and, after the idle timeout and a sweep, worker.slept with reason idle — each signature verified
 * with the `standardwebhooks` package. Webhooks leave workerd through the emulator's outbound service, as every
 * fetch of its functions does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_TOKEN_HEADER } from '../../../src/platforms/workerd';
import { startTestEmulator, type TestEmulator, until } from '../../support/emulator';
import { type WebhookReceiver, webhookReceiver } from '../../support/webhook-receiver';

let emu: TestEmulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  emu = await startTestEmulator({ vars: { BACKENDS: 'fake' } });
  receiver = await webhookReceiver();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await emu?.stop();
});

describe('webhooks on the local emulator', () => {
  it('delivers worker.created, worker.ready and worker.slept (idle), signed, to a loopback receiver', async () => {
    const registered = await emu.call('POST', '/webhooks', { body: { url: receiver.url } });
    expect(registered.status).toBe(201);
    receiver.trust(registered.json.secret);

    const created = await emu.call('POST', '/workers', { body: { name: 'hooked', idle_timeout_seconds: 1 } });
    expect(created.status).toBe(201);
    const ready = await emu.call('POST', '/workers/hooked/ready', { key: created.json.api_key, body: {} });
    expect(ready.status).toBe(204);
    await until(
      async () => receiver.types(),
      (types) => types.length >= 2,
      'worker.created and worker.ready delivered',
    );

    // Past the one-second idle timeout, the sweeper puts it to sleep; a second run if the first was early.
    await until(
      async () => {
        await emu.triggerSweep();
        return receiver.types();
      },
      (types) => types.includes('worker.slept'),
      'worker.slept delivered',
    );

    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual(['worker.created', 'worker.ready', 'worker.slept']);
    expect(receiver.received[2]!.data).toMatchObject({
      name: 'hooked',
      reason: 'idle',
      uid: created.json.uid,
    });
    // The emulator's proxy token opens its outbound service; it never travels on to the receiver.
    for (const event of receiver.received) expect(event.headerNames).not.toContain(PROXY_TOKEN_HEADER);
  }, 60_000);
});
