/**
 * Alibaba Cloud Function Compute 3.0, built-in Node.js runtime: FC hands the handler `(event: Buffer, context)`.
 * The event is either an HTTP-trigger event (mapped here to a web `Request`, and the `Response` back to FC's
 * response struct) or a timer event. The timer event is recognised FIRST, before anything treats the payload as
 * HTTP: an HTTP adapter would fail on it (it has no `requestContext`), and a timer must never reach the API.
 *
 * Event shapes (FC 3.0 docs, "HTTP trigger" and "timer trigger" event formats):
 *   HTTP:  {version:'v1', rawPath, body, isBase64Encoded, headers, queryParameters,
 *           requestContext:{domainName, http:{method, path, sourceIp}, requestId, ...}}
 *   timer: {triggerTime:'2023-12-26T07:49:00Z', triggerName, payload}   (payload: the configured string)
 * FC joins repeated headers and query parameters with commas (`"a": "1,2"`); the adapter passes them on as one
 * value, as FC delivers them (the README notes it for repeated `label=` filters).
 *
 * @module
 */

export interface FcHttpEvent {
  version?: string;
  rawPath: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  requestContext: {
    domainName?: string;
    requestId?: string;
    http: { method: string; path?: string; sourceIp?: string };
  };
}

export interface FcTimerEvent {
  triggerTime: string;
  triggerName: string;
  payload?: string;
}

/** What FC maps back to an HTTP response. */
export interface FcHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The parts of FC's invocation context we read: fresh temporary credentials of the function's role. */
export interface FcContext {
  requestId?: string;
  region?: string;
  accountId?: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
}

export type FcEvent = { kind: 'timer'; timer: FcTimerEvent } | { kind: 'http'; http: FcHttpEvent };

export class FcEventError extends Error {
  override readonly name = 'FcEventError';
}

/** Timer first: it is the one shape that carries `triggerTime` + `triggerName` and no `requestContext`. */
export function classifyFcEvent(raw: unknown): FcEvent {
  const event = decode(raw);
  if (
    typeof event.triggerTime === 'string' &&
    typeof event.triggerName === 'string' &&
    !event.requestContext
  ) {
    return { kind: 'timer', timer: event as unknown as FcTimerEvent };
  }
  const context = event.requestContext as FcHttpEvent['requestContext'] | undefined;
  if (typeof event.rawPath === 'string' && typeof context?.http?.method === 'string') {
    return { kind: 'http', http: event as unknown as FcHttpEvent };
  }
  throw new FcEventError('not an FC 3.0 HTTP-trigger or timer event');
}

function decode(raw: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : undefined;
  let value: unknown = raw;
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new FcEventError('the FC event is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FcEventError('the FC event is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * The custom domain's path prefix for the waiting ensure-ready. FC's custom-domain routes match exact paths or a
 * trailing `*` prefix, so `/workers/{name}/ensure-ready` cannot get a route (and so a function with reserved
 * concurrency) of its own; `/ensure-ready/*` can. FC passes the original path on, so the adapter maps
 * `/ensure-ready/workers/{name}` back to the API's `/workers/{name}/ensure-ready`.
 */
export const FC_ENSURE_READY_PREFIX = '/ensure-ready';
const ENSURE_READY_ALIAS = /^\/ensure-ready\/workers\/([^/]+)\/?$/;

const apiPath = (rawPath: string): string => {
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const alias = ENSURE_READY_ALIAS.exec(path);
  return alias ? `/workers/${alias[1]}/ensure-ready` : path;
};

/** A host name or address with an optional port: nothing that could carry a path, a query or credentials. */
const HOST_SHAPE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$/;

/** An event the API cannot make sense of (a malformed path or Host): answered 400, never a TypeError. */
export class FcBadRequestError extends FcEventError {}

/**
 * The web Request for an HTTP event. The route is the event's raw path, never anything derived from the Host
 * header: a Host such as `evil.com/healthz?x=` must not turn `/workers/alice` into `/healthz`. The host only names
 * the URL's authority (for the app's Host check), and a malformed one is refused.
 */
export function fcEventToRequest(event: FcHttpEvent): Request {
  const method = event.requestContext.http.method.toUpperCase();
  const host = event.requestContext.domainName ?? event.headers?.host ?? event.headers?.Host ?? 'localhost';
  if (!HOST_SHAPE.test(host)) throw new FcBadRequestError('the Host header is not a host name');
  if (!event.rawPath.startsWith('/') || /[?#\s]/.test(event.rawPath)) {
    throw new FcBadRequestError('the request path is malformed');
  }
  if (!/^[A-Z]{1,16}$/.test(method)) throw new FcBadRequestError('the request method is malformed');
  const url = new URL(`https://${host}`);
  url.pathname = apiPath(event.rawPath);
  url.search = new URLSearchParams(event.queryParameters ?? {}).toString();
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && event.body !== undefined && event.body !== '';
  const body = hasBody ? Buffer.from(event.body!, event.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

const TEXTUAL = /^(text\/|application\/(json|problem\+json|javascript|xml|x-www-form-urlencoded))/i;

export async function responseToFcResult(response: Response): Promise<FcHttpResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const textual = bytes.length === 0 || TEXTUAL.test(response.headers.get('content-type') ?? '');
  return {
    statusCode: response.status,
    headers,
    body: textual ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !textual,
  };
}

export interface FcTargets {
  /** The HTTP app; a function without one answers HTTP events 404. */
  fetch?: (request: Request) => Promise<Response>;
  /** The timer's work; a function without one refuses timer events. */
  timer?: (event: FcTimerEvent) => Promise<unknown>;
  /** Called with every invocation's context before the event is handled (fresh role credentials). */
  context?: (context: FcContext) => void;
}

/** The `handler` export of an FC entry. */
export function fcHandler(targets: FcTargets) {
  return async (raw: unknown, context: FcContext = {}): Promise<unknown> => {
    targets.context?.(context);
    const event = classifyFcEvent(raw);
    if (event.kind === 'timer') {
      if (!targets.timer) throw new FcEventError('this function has no timer trigger');
      return targets.timer(event.timer);
    }
    if (!targets.fetch) {
      return responseToFcResult(
        Response.json({ message: 'this function serves no HTTP routes', code: 'not_found' }, { status: 404 }),
      );
    }
    let request: Request;
    try {
      request = fcEventToRequest(event.http);
    } catch (error) {
      if (!(error instanceof FcBadRequestError) && !(error instanceof TypeError)) throw error;
      const message = error instanceof FcBadRequestError ? error.message : 'the request is malformed';
      return responseToFcResult(Response.json({ message, code: 'invalid_request' }, { status: 400 }));
    }
    return responseToFcResult(await targets.fetch(request));
  };
}
