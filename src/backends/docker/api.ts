/**
 * A thin, web-standard client of the Docker Engine HTTP API: one request helper that turns transport failures and
 * engine error bodies into the orchestrator's error classes, plus the few Engine types the adapter reads.
 *
 * The transport is injected (`DockerFetch`) so the same code runs in Node (unix socket, `docker-socket.ts`) and in
 * workerd (miniflare's outbound service routes it to the socket). Paths are unversioned: the engine then speaks
 * its own newest API version, and everything used here exists since API 1.41 (Docker 20.10).
 *
 * @module
 */
import { BackendError, BackendRejectedError, BackendUnavailableError } from '../../errors';
import { NOT_CONNECTED } from '../port';

/** Sends one Engine API request, e.g. `fetch('/containers/json?all=1')`; web-standard so it runs in workerd. */
export type DockerFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Most engine calls answer in milliseconds; a stuck engine must not hold a function until its own timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface DockerReply {
  status: number;
  body: Uint8Array;
  /** A proxy in front of the engine (the emulator's outbound service) says it never reached the engine. */
  notSent?: boolean;
}

/**
 * Set by a proxy between the adapter and the engine on the 503 it answers when it could not connect, so the
 * adapter can tell "nothing was sent" from an engine that failed partway. The engine itself never sets it.
 */
export const NOT_SENT_HEADER = 'x-orchestrator-engine-not-sent';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  timeoutMs?: number;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Restarting: boolean; StartedAt: string };
  Config: { Image: string; Env: string[] | null; Labels: Record<string, string> | null };
  HostConfig: {
    NetworkMode: string;
    Privileged: boolean;
    Binds: string[] | null;
    CapAdd: string[] | null;
    ExtraHosts: string[] | null;
    RestartPolicy: { Name: string };
  };
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string> | null;
  Ports?: { PublicPort?: number }[];
}

const decoder = new TextDecoder();

export const textOf = (reply: DockerReply): string => decoder.decode(reply.body);

export const jsonOf = <T>(reply: DockerReply): T => JSON.parse(textOf(reply)) as T;

/** The engine's own message (`{"message": "..."}`), trimmed so a huge body never lands in an error. */
export const engineMessage = (reply: DockerReply): string => {
  const text = textOf(reply);
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500) || `HTTP ${reply.status}`;
};

/** The errno-style code of a transport failure (Node puts it on the error, fetch on its `cause`). */
const transportCode = (error: unknown): string | undefined => {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Maps an engine error status to our classes; `what` says which call failed, in the caller's words. */
export const engineError = (reply: DockerReply, what: string, field?: string): Error => {
  const message = `${what}: ${engineMessage(reply)}`;
  if (reply.status === 400) return new BackendRejectedError(message, field);
  // 429 is a refusal before acting; a 503 may come from an engine that got part of the way.
  if (reply.status === 429) return new BackendUnavailableError(message, { nothingSent: true });
  if (reply.status === 503)
    return new BackendUnavailableError(message, { nothingSent: reply.notSent === true });
  return new BackendError(message);
};

export class DockerApi {
  constructor(
    private readonly fetch: DockerFetch,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    private readonly signal?: AbortSignal,
  ) {}

  /** The same client whose every request is also cancelled by `signal` (an abandoned round). */
  withSignal(signal: AbortSignal | undefined): DockerApi {
    return signal ? new DockerApi(this.fetch, this.timeoutMs, signal) : this;
  }

  /**
   * Sends a request and returns any HTTP answer (callers decide what a 404 or 409 means); only a transport
   * failure or a timeout throws, as `BackendUnavailableError`, because both are worth retrying later.
   */
  async request(path: string, options: RequestOptions = {}): Promise<DockerReply> {
    const method = options.method ?? 'GET';
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const search = query.toString();
    const url = search ? `${path}?${search}` : path;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (this.signal?.aborted) {
      throw new BackendUnavailableError(`${method} ${path} was not sent: the operation was abandoned`, {
        nothingSent: true,
      });
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const init: RequestInit = {
      method,
      signal: this.signal ? AbortSignal.any([timeout, this.signal]) : timeout,
    };
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json);
      init.headers = { 'content-type': 'application/json' };
    }
    try {
      const response = await this.fetch(url, init);
      return {
        status: response.status,
        body: new Uint8Array(await response.arrayBuffer()),
        ...(response.headers.get(NOT_SENT_HEADER) === '1' ? { notSent: true } : {}),
      };
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      if (this.signal?.aborted) {
        // Cancelled in flight: the engine may or may not have acted on it.
        throw new BackendUnavailableError(`${method} ${path} was abandoned before the engine answered`, {
          cause: error,
        });
      }
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new BackendUnavailableError(
          `the Docker engine did not answer ${method} ${path} within ${timeoutMs / 1000}s`,
          { cause: error },
        );
      }
      const detail = error instanceof Error ? error.message : String(error);
      // No connection (socket missing, refused): the request never reached the engine.
      throw new BackendUnavailableError(`the Docker engine is not reachable: ${detail}`, {
        cause: error,
        nothingSent: NOT_CONNECTED.has(transportCode(error) ?? ''),
      });
    }
  }

  /** The container by name or id, or `null` when there is none. */
  async inspectContainer(nameOrId: string): Promise<ContainerInspect | null> {
    const reply = await this.request(`/containers/${encodeURIComponent(nameOrId)}/json`);
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw engineError(reply, `inspecting container ${nameOrId}`);
    return jsonOf<ContainerInspect>(reply);
  }

  /** All containers, running or not, carrying every one of the `key=value` (or bare `key`) labels. */
  async listContainers(labelFilters: string[] = []): Promise<ContainerSummary[]> {
    const filters = labelFilters.length > 0 ? { filters: JSON.stringify({ label: labelFilters }) } : {};
    const reply = await this.request('/containers/json', { query: { all: 1, ...filters } });
    if (reply.status !== 200) throw engineError(reply, 'listing containers');
    return jsonOf<ContainerSummary[]>(reply);
  }

  /** Force removal; a missing container or one already being removed counts as done. */
  async removeContainer(nameOrId: string): Promise<void> {
    const reply = await this.request(`/containers/${encodeURIComponent(nameOrId)}`, {
      method: 'DELETE',
      query: { force: 1, v: 1 },
    });
    if (reply.status === 204 || reply.status === 404) return;
    if (reply.status === 409 && /already in progress/i.test(engineMessage(reply))) return;
    throw engineError(reply, `removing container ${nameOrId}`);
  }
}

/**
 * Container logs without a TTY are multiplexed: each frame is an 8-byte header (stream byte, three zero bytes, a
 * big-endian uint32 length) and the payload. A body that does not start like a frame header is plain (TTY) output.
 */
export const demultiplexLogs = (body: Uint8Array): string => {
  const looksFramed = body.length >= 8 && body[0]! <= 2 && body[1] === 0 && body[2] === 0 && body[3] === 0;
  if (!looksFramed) return decoder.decode(body);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const size = view.getUint32(offset + 4);
    parts.push(body.subarray(offset + 8, Math.min(offset + 8 + size, body.length)));
    offset += 8 + size;
  }
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return decoder.decode(joined);
};

/** `2024-05-01T10:00:00.123456789Z` → epoch ms; Docker's nanosecond fractions are cut to what Date parses. */
export const parseDockerTime = (value: string | undefined): number => {
  if (!value || value.startsWith('0001-')) return 0;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : 0;
};
