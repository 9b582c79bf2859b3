/**
 * The emulator's outbound service: every `fetch` the functions make inside workerd arrives here (in Node).
 * Requests to the internal host `docker.sock` go to the Docker engine's unix socket; everything else goes out as
 * an ordinary fetch.
 *
 * This is how the Docker backend reaches the engine from workerd without a TCP listener: worker containers share
 * the host network, and one that could call the engine would own the host.
 *
 * @module
 */

import { type Request as MfRequest, Response as MfResponse, fetch as mfFetch } from 'miniflare';
import { createDockerSocketFetch } from '../../src/backends/docker-socket';
import { DOCKER_SOCKET_HOST } from '../../src/config/workerd-root';

/** Longer than any single engine call the adapter makes (an image pull is bounded at 60 s by default). */
const ENGINE_CALL_TIMEOUT_MS = 180_000;

/** Only what the Engine API needs is forwarded; workerd's and miniflare's own headers stay behind. */
const FORWARDED_HEADERS = ['content-type', 'x-registry-auth'];

// The body is handed over whole, so the engine's framing headers no longer describe it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

export type OutboundService = (request: MfRequest) => Promise<MfResponse>;

export function createOutboundService(options: { socketPath: string }): OutboundService {
  const docker = createDockerSocketFetch({
    socketPath: options.socketPath,
    timeoutMs: ENGINE_CALL_TIMEOUT_MS,
  });
  return async (request) => {
    const url = new URL(request.url);
    if (url.hostname !== DOCKER_SOCKET_HOST) return mfFetch(request);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const body = hasBody ? new Uint8Array(await request.arrayBuffer()) : null;
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
      return MfResponse.json(
        {
          message: `the Docker engine is not reachable at ${options.socketPath} (${detail}); start it with infra/docker/start-engine.sh`,
        },
        { status: 503 },
      );
    }
  };
}
