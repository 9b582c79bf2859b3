/**
 * The fleet page as the function serves it: public markup under a strict CSP, with no inline script or style for
 * that CSP to allow, and an API behind it that still wants the key, and still lets the page's own requests
 * (same-origin, JSON) through the request guard.
 */
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

const directives = (csp: string) =>
  new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );

describe('GET /ui', () => {
  it('answers 200 without a key, with a CSP that allows scripts, styles and requests from this origin only', async () => {
    const h = await makeApp();
    const res = await h.call('GET', '/ui', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = directives(res.headers.get('content-security-policy')!);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('has no inline script, inline style, event-handler attribute or off-origin asset', async () => {
    const h = await makeApp();
    const html = (await h.call('GET', '/ui', { key: null })).text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="ui\/app\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('serves its script and stylesheet itself, under the same CSP, and the script is valid JavaScript', async () => {
    const h = await makeApp();
    const script = await h.call('GET', '/ui/app.js', { key: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(() => new Script(script.text)).not.toThrow();
    // The key goes in a header, never into a URL or a cookie.
    expect(script.text).toContain("authorization: 'Bearer ' + keyStore.get()");
    expect(script.text).toContain('sessionStorage');
    expect(script.text).not.toMatch(/document\.cookie|localStorage/);
    const style = await h.call('GET', '/ui/app.css', { key: null });
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('refuses a query string: nothing, a key least of all, belongs in its URL', async () => {
    const h = await makeApp();
    expect((await h.call('GET', '/ui?key=abc', { key: null })).status).toBe(400);
  });
});

describe('the API behind the page', () => {
  it('needs the key for every call the page makes', async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'p' } });
    await reportReady(h, 'p', created.json.api_key);
    for (const [method, path] of [
      ['GET', '/workers?limit=200&sort=name'],
      ['GET', '/workers/p/events?limit=50'],
      ['GET', '/metrics'],
      ['POST', '/workers/p/sleep'],
      ['POST', '/workers/p/wake'],
      ['POST', '/workers/p/ensure-ready?timeout_seconds=20'],
      ['DELETE', '/workers/p'],
    ] as const) {
      expect((await h.call(method, path, { key: null })).status, `${method} ${path}`).toBe(401);
    }
  });

  it("lets the page's own requests through the request guard: same origin, JSON content type, no body", async () => {
    const h = await makeApp();
    const created = await h.call('POST', '/workers', { body: { name: 'q' } });
    await reportReady(h, 'q', created.json.api_key);
    const pageRequest = (method: string, path: string, origin = 'http://localhost') =>
      h.app.request(`http://localhost${path}`, {
        method,
        headers: {
          authorization: `Bearer ${MANAGER_KEY}`,
          'content-type': 'application/json',
          origin,
          'sec-fetch-site': 'same-origin',
        },
      });
    // The fake backend stops at once: the worker is asleep as the answer is sent (200).
    expect((await pageRequest('POST', '/workers/q/sleep')).status).toBe(200);
    expect((await pageRequest('POST', '/workers/q/wake')).status).toBe(202);
    // The guard still refuses the same call from another site's page.
    expect((await pageRequest('POST', '/workers/q/sleep', 'https://evil.example')).status).toBe(403);
  });
});
