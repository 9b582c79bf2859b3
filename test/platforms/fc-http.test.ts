/**
 * The FC 3.0 event adapter (`src/platforms/fc-http.ts`): timer events are told apart before anything reads them as
 * HTTP, and HTTP-trigger events round-trip to web Requests and back to FC's response struct.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyFcEvent,
  FcEventError,
  fcEventToRequest,
  fcHandler,
  responseToFcResult,
} from '../../src/platforms/fc-http';

const http = (overrides: Record<string, unknown> = {}) => ({
  version: 'v1',
  rawPath: '/workers/alice/events',
  body: '',
  isBase64Encoded: false,
  headers: { Authorization: 'Bearer k', 'X-Trace': 'a,b' },
  queryParameters: { limit: '5', cursor: 'abc=' },
  requestContext: {
    domainName: 'fn-x.cn-hangzhou.fcapp.run',
    requestId: '1-abc',
    http: { method: 'GET', path: '/workers/alice/events', sourceIp: '203.0.113.7' },
  },
  ...overrides,
});

describe('FC event classification', () => {
  it('recognises a timer event (in a Buffer, as the runtime delivers it) as a timer, whatever its payload', () => {
    const event = Buffer.from(
      JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 't', payload: '' }),
    );
    expect(classifyFcEvent(event)).toEqual({
      kind: 'timer',
      timer: { triggerTime: '2026-01-01T00:00:00Z', triggerName: 't', payload: '' },
    });
  });

  it('treats an event with a requestContext as HTTP even if it also carries timer-like fields', () => {
    expect(classifyFcEvent(http({ triggerTime: 'x', triggerName: 'y' })).kind).toBe('http');
  });

  it('refuses an event that is not JSON, or neither shape, with FcEventError', () => {
    expect(() => classifyFcEvent(Buffer.from('not json'))).toThrow(FcEventError);
    expect(() => classifyFcEvent(Buffer.from('[1,2]'))).toThrow(FcEventError);
    expect(() => classifyFcEvent({ hello: 'world' })).toThrow(FcEventError);
  });
});

describe('FC HTTP-trigger event ⇄ web Request/Response', () => {
  it('carries method, path, query parameters and headers into the Request, with no body on a GET', async () => {
    const request = fcEventToRequest(http());
    expect(request.method).toBe('GET');
    const url = new URL(request.url);
    expect(url.host).toBe('fn-x.cn-hangzhou.fcapp.run');
    expect(url.pathname).toBe('/workers/alice/events');
    expect(Object.fromEntries(url.searchParams)).toEqual({ limit: '5', cursor: 'abc=' });
    expect(request.headers.get('authorization')).toBe('Bearer k');
    expect(request.headers.get('x-trace')).toBe('a,b');
    expect(request.body).toBeNull();
  });

  it("maps the custom domain's ensure-ready prefix back to the API route, and leaves every other path alone", () => {
    const path = (rawPath: string) =>
      new URL(fcEventToRequest(http({ rawPath, queryParameters: { timeout_seconds: '20' } })).url);
    const alias = path('/ensure-ready/workers/alice');
    expect(alias.pathname).toBe('/workers/alice/ensure-ready');
    expect(alias.searchParams.get('timeout_seconds')).toBe('20');
    expect(path('/workers/alice/ensure-ready').pathname).toBe('/workers/alice/ensure-ready');
    expect(path('/ensure-ready/workers/alice/extra').pathname).toBe('/ensure-ready/workers/alice/extra');
    expect(path('/ensure-ready/other').pathname).toBe('/ensure-ready/other');
  });

  it('decodes a base64 body and passes a plain one as is', async () => {
    const base64 = fcEventToRequest(
      http({
        body: Buffer.from('{"a":1}').toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: 'POST' } },
      }),
    );
    expect(await base64.text()).toBe('{"a":1}');
    const plain = fcEventToRequest(http({ body: '{"b":2}', requestContext: { http: { method: 'PATCH' } } }));
    expect(await plain.json()).toEqual({ b: 2 });
  });

  it('returns JSON as text and binary content as base64 in the response struct', async () => {
    const json = await responseToFcResult(
      Response.json({ ok: true }, { status: 201, headers: { 'retry-after': '5' } }),
    );
    expect(json).toMatchObject({ statusCode: 201, body: '{"ok":true}', isBase64Encoded: false });
    expect(json.headers['retry-after']).toBe('5');
    const bytes = new Uint8Array([0, 255, 1]);
    const binary = await responseToFcResult(
      new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(binary).toMatchObject({ isBase64Encoded: true, body: Buffer.from(bytes).toString('base64') });
    expect((await responseToFcResult(new Response(null, { status: 204 }))).body).toBe('');
  });
});

describe('fcHandler', () => {
  it('hands every invocation context to the context hook before routing the event', async () => {
    const seen: string[] = [];
    const handler = fcHandler({
      context: (c) => seen.push(`context:${c.credentials?.accessKeyId}`),
      timer: async (e) => {
        seen.push(`timer:${e.triggerName}`);
        return 'swept';
      },
      fetch: async (r) => {
        seen.push(`fetch:${new URL(r.url).pathname}`);
        return new Response(null, { status: 204 });
      },
    });
    const ctx = { credentials: { accessKeyId: 'AK1', accessKeySecret: 's', securityToken: 't' } };
    expect(await handler(Buffer.from('{"triggerTime":"t","triggerName":"every-minute"}'), ctx)).toBe('swept');
    expect(await handler(Buffer.from(JSON.stringify(http())), ctx)).toMatchObject({ statusCode: 204 });
    expect(seen).toEqual(['context:AK1', 'timer:every-minute', 'context:AK1', 'fetch:/workers/alice/events']);
  });

  it('routes by the raw path, never by a Host header that smuggles a path in', async () => {
    // Bug: without requestContext.domainName the URL was built from the Host header, so
    // `Host: evil.com/healthz?x=` turned a request for /workers/alice into one for /healthz.
    const seen: string[] = [];
    const handler = fcHandler({
      fetch: async (request) => {
        seen.push(new URL(request.url).pathname);
        return Response.json({ ok: true });
      },
    });
    const event = http({
      rawPath: '/workers/alice',
      headers: { host: 'evil.com/healthz?x=' },
      requestContext: { http: { method: 'GET', path: '/workers/alice' } },
    });
    const result = (await handler(Buffer.from(JSON.stringify(event)))) as { statusCode: number };
    expect(seen).not.toContain('/healthz');
    expect(result.statusCode).toBe(400);
    const plain = http({
      rawPath: '/workers/alice',
      headers: { host: 'orchestrator.example.com' },
      requestContext: { http: { method: 'GET', path: '/workers/alice' } },
    });
    await handler(Buffer.from(JSON.stringify(plain)));
    expect(seen).toEqual(['/workers/alice']);
  });

  it('answers 400 to a malformed Host, path or header instead of throwing a TypeError', async () => {
    const handler = fcHandler({ fetch: async () => Response.json({ ok: true }) });
    for (const overrides of [
      { headers: { host: 'a b' }, requestContext: { http: { method: 'GET' } } },
      { headers: { host: 'user:pw@x' }, requestContext: { http: { method: 'GET' } } },
      { rawPath: 'workers' },
      { rawPath: '/workers?x=1' },
      { headers: { 'x-bad': 'line\nbreak' } },
    ]) {
      const result = (await handler(Buffer.from(JSON.stringify(http(overrides))))) as {
        statusCode: number;
        body: string;
      };
      expect(result.statusCode, JSON.stringify(overrides)).toBe(400);
      expect(JSON.parse(result.body).code).toBe('invalid_request');
    }
  });
});
