/**
 * The emulator's listening socket: a small Node HTTP server that hands each request to the functions through
 * `mf.dispatchFetch`.
 *
 * Why not let workerd listen itself: its HTTP server ignores `Connection: close` and holds every connection
 * open for its 5 s idle timeout. Busybox `wget` (what the reference worker reports with) asks for `close` and,
 * on a 204 without a body length, reads until the connection ends, so every readiness report and heartbeat took
 * 5 s, and `docker stop` waited for the report in flight. Node honours `Connection: close`.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestInit as MfRequestInit, Response as MfResponse } from 'miniflare';

/** Far above anything the API accepts (it answers 413 itself); only a bound on what is buffered here. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

// Connection-level headers describe this hop only; the body is handed over whole.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);
/**
 * miniflare's own note on an answer it decompressed (`MF-Content-Encoding: gzip`): the body handed on here is the
 * decoded one, so the note is about a hop the caller never saw, and no orchestrator on a cloud sends it.
 */
const MINIFLARE_ONLY = new Set(['mf-content-encoding']);

/** A host name or address with an optional port, nothing more. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$/;

export type Dispatch = (url: string, init: MfRequestInit) => Promise<MfResponse>;

export interface FrontDoor {
  port: number;
  /** Until set, requests get a 503 "starting". */
  dispatch: Dispatch | undefined;
  close(): Promise<void>;
}

export async function openFrontDoor(host: string, port: number): Promise<FrontDoor> {
  const door: FrontDoor = { port, dispatch: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    serve(door, host, req, res).catch(() => {
      if (!res.headersSent) reply(res, 502, 'the emulator could not reach its functions');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  door.port = (server.address() as AddressInfo).port;
  door.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return door;
}

async function serve(door: FrontDoor, host: string, req: IncomingMessage, res: ServerResponse) {
  if (!door.dispatch) return reply(res, 503, 'the emulator is starting');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      return reply(res, 413, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push([name, req.rawHeaders[i + 1]!]);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && size > 0;
  // The functions see the Host the caller asked for (they refuse names they do not answer to: DNS rebinding);
  // only a well-formed one is passed on, and only an origin-form target (`/path?query`).
  const listener = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const asked = req.headers.host ?? `${listener}:${door.port}`;
  if (!HOST_HEADER.test(asked)) return reply(res, 400, 'the Host header is not a host name');
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return reply(res, 400, 'the request target must be a path');
  const response = await door.dispatch(`http://${asked}${target}`, {
    method,
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
    redirect: 'manual',
  });
  const body = Buffer.from(await response.arrayBuffer());
  const outHeaders: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && !MINIFLARE_ONLY.has(name)) outHeaders.push([name, value]);
  });
  res.writeHead(response.status, outHeaders.flat());
  res.end(response.status === 204 || response.status === 304 || method === 'HEAD' ? undefined : body);
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
  });
  res.end(JSON.stringify({ message, code: 'emulator' }));
}
