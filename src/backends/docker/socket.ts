/**
 * A `DockerFetch` over the engine's unix socket, for Node entries and tests (Node only: `node:http`).
 *
 * The engine is reached without any TCP listener, so workers on the host network cannot call it. Every request
 * has a bound (the caller's `signal`, else `timeoutMs`) and a body-size cap, and answers a web `Response` so the
 * adapter stays web-standard.
 *
 * @example
 * const backend = new DockerBackend({ fetch: createDockerSocketFetch(), deploymentId });
 *
 * @module
 */
import { request } from 'node:http';
import type { DockerFetch } from './api';

export interface DockerSocketOptions {
  /** Default `/var/run/docker.sock`. */
  socketPath?: string;
  /** Used when the caller passes no `signal` (default 30 s). */
  timeoutMs?: number;
  /** Larger answers are refused rather than buffered (default 32 MiB). */
  maxBodyBytes?: number;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

// The Fetch standard forbids a body on these statuses; `new Response(body, …)` would throw.
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export const createDockerSocketFetch = (options: DockerSocketOptions = {}): DockerFetch => {
  const socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;

  return (path, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const body = init.body ?? null;
      if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        reject(new TypeError('docker socket fetch sends string or Uint8Array bodies only'));
        return;
      }
      const signal = init.signal ?? AbortSignal.timeout(timeoutMs);
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));

      const req = request({ socketPath, path, method: init.method ?? 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            req.destroy(new Error(`Docker engine answer to ${path} exceeds ${maxBodyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          signal.removeEventListener('abort', onAbort);
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(key, item);
          }
          const payload = NULL_BODY_STATUSES.has(status) ? null : new Uint8Array(Buffer.concat(chunks));
          resolve(
            new Response(payload, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }),
          );
        });
      });

      function fail(error: unknown): void {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      }
      function onAbort(): void {
        req.destroy();
        reject(signal.reason);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      if (body !== null) req.write(body);
      req.end();
    });
};
