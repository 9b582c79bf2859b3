/**
 * Security hardening of the HTTP API (issue 12). Each test narrates the hole it pins down; each failed on the code
 * before its fix.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { BackendRejectedError, StoreUnavailableError } from '../../src/errors';
import { redactKeys } from '../../src/lifecycle/model/keys';
import { markSensitive, redactError } from '../../src/lifecycle/model/redaction';
import { MemoryStore } from '../../src/store/memory';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

const HEX = 'ab'.repeat(32);

async function teamWithKey(h: Awaited<ReturnType<typeof makeApp>>, team: string, extra: object = {}) {
  await h.call('POST', '/teams', { body: { name: team, allowed_images: ['img:2'], ...extra } });
  return (await h.call('POST', `/teams/${team}/keys`)).json.key as string;
}

describe('secrets in error answers', () => {
  it('masks keys that follow a word character, as in URL-encoded or quoted text', () => {
    // Bug: `\b` before the key made `%22wok_…` and `%3Dwok_…` slip through the redaction.
    for (const text of [`%22wok_alice_${HEX}%22`, `token%3Dwok_alice_${HEX}`, `xwokteam_red_${HEX}`]) {
      expect(redactKeys(text)).not.toContain(HEX);
    }
  });

  it('masks the values marked on an error, or on its cause, in every form a log line could show them', () => {
    const cause = new Error('engine said: TOKEN=super-secret-value quoted"value-123');
    markSensitive(cause, ['super-secret-value', 'quoted"value-123', 'no']);
    const wrapped = new BackendRejectedError('create failed', 'env', 'backend_rejected', { cause });
    const text = redactError(wrapped, `${cause.message} ${JSON.stringify(cause.message)}`);
    expect(text).not.toContain('super-secret-value');
    expect(text).not.toContain('value-123');
    // Values too short to mean anything are left, or every "no" in a message would vanish.
    expect(redactError(wrapped, 'no such image')).toBe('no such image');
  });

  it('a backend error quoting an env value the manager set never reaches a team key, in the answer or the record', async () => {
    // Bug: the driver masked env values in what it stored, but the error it handed back to the request was answered
    // as it was, so a team key's PATCH saw a value only the manager had set.
    const h = await makeApp();
    const teamKey = await teamWithKey(h, 'red');
    const secret = 'manager-only-value-7f3a9c';
    const created = await h.call('POST', '/workers', {
      body: { name: 'leak', team: 'red', env: { UPSTREAM_TOKEN: secret } },
    });
    expect(created.status).toBe(201);
    await reportReady(h, 'leak', created.json.api_key);
    h.backend.behave('update', {
      fail: new BackendRejectedError(`container refused: UPSTREAM_TOKEN=${secret} "${secret}"`, 'env'),
      times: 1,
    });
    const res = await h.call('PATCH', '/workers/leak', { key: teamKey, body: { image: 'img:2' } });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(secret);
    expect(res.text).toContain('[redacted]');
    const seen = await h.call('GET', '/workers/leak', { key: teamKey });
    expect(seen.text).not.toContain(secret);
    const events = await h.call('GET', '/workers/leak/events', { key: teamKey });
    expect(events.text).not.toContain(secret);
  });
});

describe('streamed request bodies', () => {
  it('stops reading a body without content-length as soon as it passes the limit, and answers 413', async () => {
    // Bug: the whole stream was buffered before its size was checked, so an endless body held the function.
    const h = await makeApp();
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"name":"x","labels":{"a":"${'b'.repeat(16 * 1024)}`);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await h.app.request('/workers', {
      method: 'POST',
      headers: { authorization: `Bearer ${MANAGER_KEY}`, 'content-type': 'application/json' },
      body: endless,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    // 64 KiB is four or five chunks; a few more may be queued ahead of the reader, never the whole stream.
    expect(pulled).toBeLessThan(20);
  });
});

/** Every plausible decoding of a cursor, so a test can say a name is nowhere in it. */
function decodings(cursor: string): string {
  const out = [cursor];
  for (const text of [cursor, cursor.replace(/-/g, '+').replace(/_/g, '/')]) {
    try {
      out.push(atob(text.padEnd(Math.ceil(text.length / 4) * 4, '=')));
    } catch {
      // not base64
    }
  }
  return out.join('\n');
}

describe('events across incarnations', () => {
  it('a name created again lists only its own history, never the previous incarnation owner', async () => {
    // Bug: events were listed by name, so the team that re-created a name read the previous owner's history.
    const h = await makeApp();
    const red = await teamWithKey(h, 'red');
    const blue = await teamWithKey(h, 'blue');
    const first = await h.call('POST', '/workers', { key: red, body: { name: 'reuse' } });
    await reportReady(h, 'reuse', first.json.api_key);
    await h.call('POST', '/workers/reuse/stop', { key: red });
    expect((await h.call('DELETE', '/workers/reuse', { key: red })).status).toBe(204);
    const again = await h.call('POST', '/workers', { key: blue, body: { name: 'reuse' } });
    expect(again.status).toBe(201);
    expect(again.json.uid).not.toBe(first.json.uid);
    for (const key of [blue, undefined]) {
      const page = await h.call('GET', '/workers/reuse/events?limit=100', key ? { key } : {});
      expect(page.status).toBe(200);
      expect(page.json.events.length).toBeGreaterThan(0);
      for (const event of page.json.events) expect(event.uid).toBe(again.json.uid);
      expect(page.text).not.toContain('team:red');
    }
    // The previous owner's key now sees nothing of the name.
    expect((await h.call('GET', '/workers/reuse/events', { key: red })).status).toBe(404);
  });
});

describe('names across tenants', () => {
  it("a team key's cursor is opaque: it decodes to no other tenant's worker name", async () => {
    // Bug: next_cursor was base64 JSON of the last listed name, whoever's it was.
    const h = await makeApp();
    const red = await teamWithKey(h, 'red');
    await h.call('POST', '/workers', { body: { name: 'aaa-private-name' } });
    await h.call('POST', '/workers', { body: { name: 'mmm-private-name' } });
    for (const name of ['r1', 'r2', 'r3']) await h.call('POST', '/workers', { key: red, body: { name } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.call(
        'GET',
        `/workers?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {
          key: red,
        },
      );
      expect(page.status).toBe(200);
      seen.push(...page.json.workers.map((w: { name: string }) => w.name));
      cursor = page.json.next_cursor;
      if (cursor) expect(decodings(cursor)).not.toMatch(/private-name/);
    } while (cursor);
    expect(seen).toEqual(['r1', 'r2', 'r3']);
  });

  it('a cursor made for one caller is refused for another, like any cursor the API never returned', async () => {
    const h = await makeApp();
    const red = await teamWithKey(h, 'red');
    const blue = await teamWithKey(h, 'blue');
    for (const name of ['r1', 'r2']) await h.call('POST', '/workers', { key: red, body: { name } });
    const cursor = (await h.call('GET', '/workers?limit=1', { key: red })).json.next_cursor as string;
    expect(cursor).toBeDefined();
    for (const other of [blue, undefined]) {
      const res = await h.call(
        'GET',
        `/workers?limit=1&cursor=${encodeURIComponent(cursor)}`,
        other ? { key: other } : {},
      );
      expect(res.status).toBe(400);
      expect(res.json.field).toBe('cursor');
    }
    const forged = btoa(JSON.stringify({ a: 'r1' })).replace(/=+$/, '');
    expect((await h.call('GET', `/workers?cursor=${forged}`, { key: red })).status).toBe(400);
  });

  it("another tenant's worker answers a team key exactly as an unknown one: 404 with the same body", async () => {
    // Bug: 403 for "not yours" and 404 for "not there" let a team key probe which names other tenants use.
    const h = await makeApp();
    const red = await teamWithKey(h, 'red');
    await h.call('POST', '/workers', { body: { name: 'mine-not' } });
    const theirs = await h.call('GET', '/workers/mine-not', { key: red });
    const unknown = await h.call('GET', '/workers/nothere', { key: red });
    expect(theirs.status).toBe(404);
    expect(theirs.text.replace('mine-not', 'X').replace('mine-not', 'X')).toBe(
      unknown.text.replace('nothere', 'X').replace('nothere', 'X'),
    );
  });
});

describe('team listings', () => {
  it("a team key's listing sorted by last activity reads its team's records, not the whole fleet's", async () => {
    // Bug: a sorted listing read every record (up to 10,000 store reads) whoever asked, even a team with none.
    const h = await makeApp();
    const red = await teamWithKey(h, 'red');
    for (let i = 0; i < 60; i++) await h.call('POST', '/workers', { body: { name: `fleet-${i}` } });
    await h.call('POST', '/workers', { key: red, body: { name: 'r1' } });
    await h.call('POST', '/workers', { key: red, body: { name: 'r2' } });
    for (const sort of ['-last_activity_at', 'last_activity_at', undefined]) {
      h.store.resetCounts();
      const res = await h.call('GET', `/workers?limit=100${sort ? `&sort=${sort}` : ''}`, { key: red });
      expect(res.json.workers.map((w: { name: string }) => w.name).sort()).toEqual(['r1', 'r2']);
      // Auth, the team record, two worker records, their beats and the cursor key: a handful, not ~60.
      expect(h.store.operations(), String(sort)).toBeLessThan(15);
    }
    const empty = await teamWithKey(h, 'empty');
    h.store.resetCounts();
    const none = await h.call('GET', '/workers?sort=-last_activity_at', { key: empty });
    expect(none.json.workers).toEqual([]);
    expect(h.store.operations()).toBeLessThan(6);
  });
});

describe('/healthz under a crowd', () => {
  it('fifty concurrent anonymous requests write nothing and share one store read', async () => {
    // Bug: each anonymous request with a stale probe wrote a clock probe and listed it: 50 writes, 50 listings.
    const h = await makeApp();
    h.store.resetCounts();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => h.call('GET', '/healthz', { key: null })),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(h.store.counts.put).toBe(0);
    expect(h.store.counts.delete).toBe(0);
    expect(h.store.counts.list).toBe(0);
    expect(h.store.counts.get).toBeLessThanOrEqual(1);
  });

  it("concurrent managers' requests share one clock-skew probe", async () => {
    const h = await makeApp();
    h.store.resetCounts();
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('GET', '/healthz')));
    for (const answer of answers) expect(typeof answer.json.clock_skew_ms).toBe('number');
    // The deployment record (made once per store) and one clock probe.
    expect(h.store.counts.put).toBe(2);
    expect(h.store.counts.list).toBe(1);
  });
});

describe('secrets of a create whose record write failed', () => {
  it('leaves no plaintext env values behind when the record cannot be written', async () => {
    // Bug: secrets/<name>/<uid>.json was written first and stayed forever when the record write then failed.
    class RecordWriteFails extends MemoryStore {
      override async put(key: string, body: string, options?: Parameters<MemoryStore['put']>[2]) {
        if (key.startsWith('workers/')) throw new StoreUnavailableError('the store refused the write');
        return super.put(key, body, options);
      }
    }
    const h = await makeApp({ store: new RecordWriteFails() });
    const res = await h.call('POST', '/workers', {
      body: { name: 'orphan', env: { TOKEN: 'plaintext-value-123' } },
    });
    expect(res.status).toBe(503);
    const secrets = (await h.store.list('secrets/')).keys.map((k) => k.key);
    expect(secrets.filter((key) => key.startsWith('secrets/orphan/'))).toEqual([]);
  });
});

describe('cross-site requests and DNS rebinding', () => {
  async function guarded() {
    const h = await makeApp();
    const app = createApp({ service: h.service, allowedHosts: ['127.0.0.1', 'localhost'] });
    const send = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) =>
      app.request(`http://127.0.0.1:8787${path}`, { method: init.method ?? 'POST', ...init });
    return { h, send };
  }

  it.each(['keys', 'off'] as const)(
    'refuses a body that is not JSON (a form, text/plain) with 415 and creates nothing, auth %s',
    async (mode) => {
      // Bug: with AUTH_MODE=off a web page's "simple" POST (text/plain, no preflight) created a worker.
      const { h, send } = await guarded();
      (h.service.auth as { mode: 'keys' | 'off' }).mode = mode;
      const auth: Record<string, string> = mode === 'keys' ? { authorization: `Bearer ${MANAGER_KEY}` } : {};
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await send('/workers', {
          headers: { ...auth, 'content-type': type },
          body: JSON.stringify({ name: 'csrf', image: 'evil:latest' }),
        });
        expect(res.status, type).toBe(415);
      }
      const none = await send('/workers', { headers: auth, body: '{"name":"csrf"}' });
      expect(none.status).toBe(415);
      expect((await h.call('GET', '/workers/csrf')).status).toBe(404);
      // A bodyless POST with a form type and no key (an HTML form against auth off) is refused too.
      const form = await send('/workers/csrf/stop', { headers: { 'content-type': 'text/plain' } });
      expect(form.status).toBe(415);
    },
  );

  it.each(['keys', 'off'] as const)('refuses a foreign or null Origin, auth %s', async (mode) => {
    const { h, send } = await guarded();
    (h.service.auth as { mode: 'keys' | 'off' }).mode = mode;
    const headers = { authorization: `Bearer ${MANAGER_KEY}`, 'content-type': 'application/json' };
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:9999']) {
      const res = await send('/workers', { headers: { ...headers, origin }, body: '{"name":"xs"}' });
      expect(res.status, origin).toBe(403);
    }
    const crossSite = await send('/workers', {
      headers: { ...headers, 'sec-fetch-site': 'cross-site' },
      body: '{"name":"xs"}',
    });
    expect(crossSite.status).toBe(403);
    expect((await h.call('GET', '/workers/xs')).status).toBe(404);
    const same = await send('/workers', {
      headers: { ...headers, origin: 'http://127.0.0.1:8787' },
      body: '{"name":"xs"}',
    });
    expect(same.status).toBe(201);
  });

  it('refuses a Host it does not answer to (a rebound DNS name), even for a GET', async () => {
    const { h } = await guarded();
    const app = createApp({ service: h.service, allowedHosts: ['127.0.0.1', 'localhost'] });
    const rebound = await app.request('http://attacker.example:8787/workers', {
      headers: { authorization: `Bearer ${MANAGER_KEY}` },
    });
    expect(rebound.status).toBe(403);
    const local = await app.request('http://localhost:8787/workers', {
      headers: { authorization: `Bearer ${MANAGER_KEY}` },
    });
    expect(local.status).toBe(200);
  });
});
