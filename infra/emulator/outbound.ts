/**
 * The emulator's outbound service: every `fetch` the functions make inside workerd arrives here (in Node).
 * Requests to the internal host `docker.sock` go to the Docker engine's unix socket; everything else goes out as
 * an ordinary fetch.
 *
 * This is how the Docker backend reaches the engine from workerd without a TCP listener: worker containers share
 * the host network, and one that could call the engine would own the host.
 *
 * miniflare hands requests to this service through its loopback HTTP server, which any local process can call, so
 * an engine call is forwarded only with the proxy token (`proxy-token.ts`), and only when it is one the Docker
 * adapter makes (`engine-gate.ts`). Other hosts are fetched as before: that gives a caller nothing it lacks.
 *
 * @module
 */

import { Request as MfRequest, Response as MfResponse, fetch as mfFetch } from 'miniflare';
import { NOT_SENT_HEADER } from '../../src/backends/docker';
import { createDockerSocketFetch } from '../../src/backends/docker/node';
import { NOT_CONNECTED } from '../../src/backends/port';
import { DOCKER_SOCKET_HOST, PROXY_TOKEN_HEADER } from '../../src/platforms/workerd';
import { gateEngineCall } from './engine-gate';
import { PROXY_REFUSAL, takeProxyToken } from './proxy-token';

/** Longer than any single engine call the adapter makes (an image pull is bounded at 60 s by default). */
const ENGINE_CALL_TIMEOUT_MS = 180_000;

/** Only what the Engine API needs is forwarded; workerd's and miniflare's own headers stay behind. */
const FORWARDED_HEADERS = ['content-type', 'x-registry-auth'];

// The body is handed over whole, so the engine's framing headers no longer describe it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

export type OutboundService = (request: MfRequest) => Promise<MfResponse>;

export interface OutboundOptions {
  socketPath: string;
  /** The proxy token every engine call must carry (`EMULATOR_PROXY_TOKEN`). */
  token: string;
}

/**
 * Any other host (a webhook receiver): fetched as is, minus the proxy token, which never leaves the machine, and
 * without following redirects, so the function's own `redirect: 'manual'` decides (workerd follows nothing the
 * outbound service has not already followed).
 */
function fetchElsewhere(request: MfRequest): Promise<MfResponse> {
  const headers = [...request.headers].filter(([name]) => name.toLowerCase() !== PROXY_TOKEN_HEADER);
  return mfFetch(new MfRequest(request, { headers, redirect: 'manual' }));
}

export function createOutboundService(options: OutboundOptions): OutboundService {
  const docker = createDockerSocketFetch({
    socketPath: options.socketPath,
    timeoutMs: ENGINE_CALL_TIMEOUT_MS,
  });
  return async (request) => {
    const url = new URL(request.url);
    if (url.hostname !== DOCKER_SOCKET_HOST) return fetchElsewhere(request);
    // In the engine's error shape, so the adapter reports the refusal in words.
    if (!takeProxyToken(request.headers, options.token)) {
      return MfResponse.json({ message: PROXY_REFUSAL }, { status: 403 });
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const received = hasBody ? new Uint8Array(await request.arrayBuffer()) : null;
    const verdict = gateEngineCall(request.method, url, received);
    if (!verdict.allowed) {
      return MfResponse.json({ message: `the emulator refused: ${verdict.reason}` }, { status: 403 });
    }
    const body = verdict.body ?? received;
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    try {
      const reply = await docker(url.pathname + url.search, {
        method: request.method,
        headers,
        ...(body && body.length > 0 ? { body } : {}),
      });
      return new MfResponse(reply.body ? new Uint8Array(await reply.arrayBuffer()) : null, {
        status: reply.status,
        headers: [...reply.headers].filter(([name]) => !HOP_BY_HOP.has(name)),
      });
    } catch (error) {
      // A transport failure becomes a 503 in the engine's own error shape, so the adapter reports it as
      // "backend unavailable" (retryable, 503 to the caller) and the message says why.
      const detail = error instanceof Error ? error.message : String(error);
      // No connection to the socket means the engine never saw the call: the adapter may treat it as not made.
      const code = (error as { code?: unknown } | null)?.code;
      const notSent = typeof code === 'string' && NOT_CONNECTED.has(code);
      return MfResponse.json(
        {
          message: `the Docker engine is not reachable at ${options.socketPath} (${detail}); start it with infra/docker/start-engine.sh`,
        },
        { status: 503, ...(notSent ? { headers: { [NOT_SENT_HEADER]: '1' } } : {}) },
      );
    }
  };
}
