/**
 * The token that keeps miniflare's loopback server from being a way into the Docker engine and the issuer.
 *
 * miniflare serves the outbound service and service bindings through an unauthenticated HTTP server on
 * `127.0.0.1:<random port>`: any process on this machine (a worker container on the host network included) that
 * sends `MF-Custom-Fetch-Service: 0/$outbound` with `MF-Original-URL: http://docker.sock/...` would reach the engine
 * (root on the host), and `0/#STS_ISSUER` would mint credentials for any worker. Only workerd is told this
 * per-process token (as a binding), so only it gets through.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PROXY_TOKEN_HEADER } from '../../src/platforms/workerd';

/** 256 random bits, made anew by every emulator process and never written anywhere. */
export const newProxyToken = (): string => randomBytes(32).toString('hex');

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Whether the request carries the token, compared in constant time (over digests, so neither the content nor the
 * length of a wrong guess shows in the timing). The header is removed either way: it never travels further.
 */
export function takeProxyToken(
  headers: { get(name: string): string | null; delete(name: string): void },
  token: string,
): boolean {
  const presented = headers.get(PROXY_TOKEN_HEADER);
  headers.delete(PROXY_TOKEN_HEADER);
  return tokenMatches(presented, token);
}

/** Whether a presented value is the token, compared in constant time over digests. */
export const tokenMatches = (presented: string | null, token: string): boolean =>
  presented !== null && timingSafeEqual(digest(presented), digest(token));

export const PROXY_REFUSAL = "this service answers the emulator's own functions only";

/** A service binding that answers only requests carrying the token; others get a 403 and reach nothing. */
export function requireProxyToken(
  token: string,
  service: (request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!takeProxyToken(request.headers, token)) {
      return Response.json({ message: PROXY_REFUSAL }, { status: 403 });
    }
    return service(request);
  };
}
