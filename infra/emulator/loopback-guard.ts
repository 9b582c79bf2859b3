/**
 * A gate in front of miniflare's loopback server.
 *
 * miniflare (4.20260426) starts an HTTP server on a random TCP port of the address it is given (127.0.0.1 here)
 * through which workerd reaches the Node side: the outbound service (our only way to the Docker engine) and
 * Node-hosted bindings (the credential issuer). The same server answers, without any authentication,
 * `POST /core/store-temp-file` (which joins `prefix`/`extension` into a path unchecked: any file the emulator's user
 * may write), `/core/do-storage` and `/core/workflow-storage` (read and delete files), `/browser/launch` and more.
 * Every local process can reach that port, and so can every worker container on the host network, which shares the
 * host's loopback. miniflare has no option to bind it elsewhere or to authenticate it.
 *
 * So while miniflare starts, each HTTP server it creates gets this gate in front of its `request` and `upgrade`
 * events: a request is handed to miniflare only when it carries the emulator's per-process proxy token, which only
 * the functions hold (they add it to their engine calls and to issuer calls). Anything else gets a 403 and reaches
 * none of miniflare's handlers. The services behind keep their own token check, which also strips the header.
 *
 * If miniflare ever starts without creating a server this can see (a different version), the emulator refuses to
 * start rather than run with an open loopback server.
 *
 * @module
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROXY_TOKEN_HEADER } from '../../src/platforms/workerd';
import { PROXY_REFUSAL, tokenMatches } from './proxy-token';

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

function presented(request: IncomingMessage): string | null {
  const value = request.headers[PROXY_TOKEN_HEADER];
  return typeof value === 'string' ? value : null;
}

/** Puts the token check in front of everything the server would hand to its handlers. */
export function guardServer(server: http.Server, token: string): void {
  const emit = server.emit.bind(server) as Emit;
  (server as unknown as { emit: Emit }).emit = (event, ...args) => {
    if (event === 'request') {
      const [request, response] = args as [IncomingMessage, ServerResponse];
      if (!tokenMatches(presented(request), token)) {
        request.resume();
        response.writeHead(403, { 'content-type': 'application/json', connection: 'close' });
        response.end(JSON.stringify({ message: PROXY_REFUSAL }));
        return true;
      }
    } else if (event === 'upgrade') {
      const [request, socket] = args as [IncomingMessage, Duplex];
      if (!tokenMatches(presented(request), token)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
    }
    return emit(event, ...args);
  };
}

let active = 0;
const tokens: string[] = [];
const original = http.createServer;

/**
 * Runs `start` (miniflare's construction up to `ready`) with every HTTP server created meanwhile guarded by
 * `token`. Throws when no server was created: miniflare's loopback would then be somewhere this cannot guard.
 */
export async function withGuardedLoopback<T>(token: string, start: () => Promise<T>): Promise<T> {
  let guarded = 0;
  tokens.push(token);
  if (active++ === 0) {
    // The loopback server is made through `http.createServer` on the shared module object; a server made by
    // another emulator starting in the same moment is guarded by the newest token, which would only refuse more.
    (http as { createServer: typeof http.createServer }).createServer = ((...args: unknown[]) => {
      const server = (original as (...a: unknown[]) => http.Server)(...args);
      guardServer(server, tokens.at(-1)!);
      guarded++;
      return server;
    }) as typeof http.createServer;
  }
  try {
    const result = await start();
    if (guarded === 0) {
      throw new Error(
        'miniflare started without a loopback server the emulator could guard; refusing to run with it open (is the pinned miniflare version installed?)',
      );
    }
    return result;
  } finally {
    tokens.splice(tokens.indexOf(token), 1);
    if (--active === 0) (http as { createServer: typeof http.createServer }).createServer = original;
  }
}
