/**
 * Security hardening of the HTTP API (issue 12). Each test narrates the hole it pins down; each failed on the code
 * before its fix.
 */
import { describe, expect, it } from 'vitest';
import { BackendRejectedError } from '../../src/errors';
import { redactKeys } from '../../src/lifecycle/api-keys';
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
