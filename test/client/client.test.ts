/**
 * The typed client against an in-process app (memory store, fake backend): what a script gets back, how errors
 * arrive, and how waiting for ready reports progress.
 */
import { describe, expect, it } from 'vitest';
import { createOrchestratorClient, OrchestratorApiError, unwrap, waitUntilReady } from '../../src/client';
import { MANAGER_KEY, makeApp, reportReady } from '../support/app-harness';

async function clientOf(key: string | null = MANAGER_KEY) {
  const h = await makeApp();
  // Every request goes through the app exactly as a network request would; the recorder sees what was sent.
  const sent: Request[] = [];
  const client = createOrchestratorClient({
    url: 'http://orchestrator.test/',
    key: key ?? undefined,
    fetch: async (request) => {
      sent.push(request.clone());
      return h.app.fetch(request);
    },
  });
  return { h, client, sent };
}

describe('the typed client', () => {
  it('creates a worker (its key returned once), reads it back and finds it in the list', async () => {
    const { client } = await clientOf();

    const created = unwrap(
      await client.POST('/workers', { body: { name: 'alice', labels: { tier: 'gold' } } }),
    );
    const read = unwrap(await client.GET('/workers/{name}', { params: { path: { name: 'alice' } } }));
    const listed = unwrap(await client.GET('/workers', { params: { query: { label: ['tier=gold'] } } }));

    expect(created.api_key).toMatch(/^wok_alice_/);
    expect(read).toMatchObject({ name: 'alice', labels: { tier: 'gold' } });
    expect(read.api_key).toBeUndefined();
    expect(listed.workers.map((w) => w.name)).toEqual(['alice']);
  });

  it('sends the key as a bearer token to the base URL without doubling its trailing slash', async () => {
    const { client, sent } = await clientOf();

    await client.GET('/healthz');

    expect(sent[0]?.url).toBe('http://orchestrator.test/healthz');
    expect(sent[0]?.headers.get('authorization')).toBe(`Bearer ${MANAGER_KEY}`);
  });

  it('throws OrchestratorApiError with the status and code of an error answer (404 not_found)', async () => {
    const { client } = await clientOf();

    const failure = await client
      .GET('/workers/{name}', { params: { path: { name: 'nobody' } } })
      .then(unwrap)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OrchestratorApiError);
    expect(failure).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('sends no Authorization header without a key, so a manager route answers 401', async () => {
    const { client, sent } = await clientOf(null);

    const result = await client.GET('/workers');

    expect(sent[0]?.headers.has('authorization')).toBe(false);
    expect(result.response.status).toBe(401);
    expect(result.error).toMatchObject({ code: 'unauthorized' });
  });

  it('waits until ready, reporting the worker after every round', async () => {
    const { h, client } = await clientOf();
    const { api_key } = unwrap(await client.POST('/workers', { body: { name: 'alice' } }));
    const phases: string[] = [];

    const result = await waitUntilReady(client, 'alice', {
      onProgress: (worker) => {
        phases.push(worker.phase);
        // The worker's container would report by itself; here the test does it after the first round.
        if (phases.length === 1) void reportReady(h, 'alice', api_key!);
      },
    });

    expect(result.ready).toBe(true);
    expect(phases[0]).toBe('starting');
    expect(phases.at(-1)).toBe('ready');
  });

  it('gives up with ready: false when the worker is not ready in time', async () => {
    const { client } = await clientOf();
    unwrap(await client.POST('/workers', { body: { name: 'alice' } }));

    const result = await waitUntilReady(client, 'alice', { timeoutMs: 500 });

    expect(result.ready).toBe(false);
    expect(result.worker?.phase).toBe('starting');
  });

  it('throws the 409 of a worker whose lifetime is over instead of waiting for it', async () => {
    const { h, client } = await clientOf();
    unwrap(await client.POST('/workers', { body: { name: 'alice', ttl_seconds: 60 } }));
    h.clock.advance(61_000);

    const failure = await waitUntilReady(client, 'alice').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OrchestratorApiError);
    expect(failure).toMatchObject({ status: 409 });
  });

  it('stops waiting at the next round once its signal is aborted, even where fetch ignores the signal', async () => {
    const { client, sent } = await clientOf();
    unwrap(await client.POST('/workers', { body: { name: 'alice' } }));
    const interrupt = new AbortController();

    const failure = await waitUntilReady(client, 'alice', {
      timeoutMs: 4000,
      signal: interrupt.signal,
      // Aborted after the first round's answer: the in-process fetch does not abort, so only the loop can stop.
      onProgress: () => interrupt.abort(),
    }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'AbortError' });
    expect(sent.filter((request) => request.url.includes('/ensure-ready'))).toHaveLength(1);
  });
});
