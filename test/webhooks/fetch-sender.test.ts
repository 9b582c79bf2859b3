/**
 * The fetch sender against a real HTTP receiver on loopback: what it sends verifies with the `standardwebhooks`
 * package; it gives up on a silent receiver within its timeout, follows no redirect, and refuses a forbidden
 * address without connecting. No error it returns contains the secret.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { STRICT_URL_POLICY } from '../../src/lifecycle/outbox';
import { FetchWebhookSender } from '../../src/webhooks';
import { listenOnLoopback } from '../support/loopback-server';

const SECRET = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
const loopback = new FetchWebhookSender({ allowPrivate: false, allowLoopbackHttp: true });
const message = { id: 'evt_abc_1', body: JSON.stringify({ type: 'worker.ready', timestamp: 'x', data: {} }) };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('FetchWebhookSender', () => {
  it('POSTs the body with Standard Webhooks headers that verify', async () => {
    let verified: unknown;
    const server = await listenOnLoopback((req, res, body) => {
      verified = new Webhook(SECRET).verify(body.toString(), req.headers as Record<string, string>);
      res.writeHead(200).end('ok');
    });
    closers.push(server.close);

    expect(await loopback.send(`${server.url}/hook`, message, [SECRET], 2000)).toEqual({ ok: true });
    expect(verified).toEqual(JSON.parse(message.body));
  });

  it('reports a receiver that does not answer in time, without the secret in the reason', async () => {
    const server = createServer(() => {}); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const result = await loopback.send(url, message, [SECRET], 200);

    expect(result).toEqual({ ok: false, error: 'no answer within 200 ms' });
  });

  it('does not follow a redirect', async () => {
    let followed = false;
    const server = await listenOnLoopback((req, res) => {
      if (req.url === '/elsewhere') followed = true;
      res.writeHead(307, { location: '/elsewhere' }).end();
    });
    closers.push(server.close);

    const result = await loopback.send(`${server.url}/hook`, message, [SECRET], 2000);

    expect(result).toEqual({ ok: false, error: 'answered 307: redirects are not followed' });
    expect(followed).toBe(false);
  });

  it('refuses a loopback URL under the strict policy without connecting', async () => {
    let called = false;
    const server = await listenOnLoopback((_req, res) => {
      called = true;
      res.writeHead(204).end();
    });
    closers.push(server.close);
    const strict = new FetchWebhookSender(STRICT_URL_POLICY);

    const result = await strict.send(`${server.url}/hook`, message, [SECRET], 2000);

    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(called).toBe(false);
  });
});
