/**
 * What the outbound service lets through to the Docker engine, behind the proxy token: the Engine API calls the
 * Docker adapter (`src/backends/docker*.ts`) makes, with the query parameters it sends, and a container-create body
 * that asks for nothing that escapes the container (never privileged, no host binds).
 *
 * A second layer: were the token ever to leak, or the functions be tricked into an odd engine call, the engine
 * still answers only these. A new adapter call must be added here; until then the outbound refuses it, by name.
 *
 * @module
 */

interface Route {
  method: string;
  path: RegExp;
  /** Query parameters the adapter sends on this call; any other is refused. */
  query: string[];
  /** The one call with a body: the container create, whose body is checked. Others go without one. */
  createsContainer?: true;
}

// The adapter's container references: resource names (URI-encoded, but only these characters) and hex ids.
// No `%`, so an encoded `/` or `..` can never reach the engine's router.
const REF = '[A-Za-z0-9][A-Za-z0-9_.-]*';
// Image references as the adapter's policy admits them (IMAGE_PATTERN), placed raw in the path.
const IMAGE = '[A-Za-z0-9][A-Za-z0-9._/:@-]*';

const ROUTES: Route[] = [
  { method: 'GET', path: /^\/_ping$/, query: [] },
  { method: 'GET', path: /^\/version$/, query: [] },
  { method: 'GET', path: /^\/networks$/, query: ['filters'] },
  { method: 'GET', path: /^\/containers\/json$/, query: ['all', 'filters'] },
  { method: 'POST', path: /^\/containers\/create$/, query: ['name'], createsContainer: true },
  { method: 'GET', path: new RegExp(`^/containers/${REF}/json$`), query: [] },
  { method: 'GET', path: new RegExp(`^/containers/${REF}/logs$`), query: ['stdout', 'stderr', 'tail'] },
  { method: 'POST', path: new RegExp(`^/containers/${REF}/start$`), query: [] },
  { method: 'POST', path: new RegExp(`^/containers/${REF}/stop$`), query: ['t'] },
  { method: 'POST', path: new RegExp(`^/containers/${REF}/rename$`), query: ['name'] },
  { method: 'DELETE', path: new RegExp(`^/containers/${REF}$`), query: ['force', 'v'] },
  { method: 'GET', path: new RegExp(`^/images/${IMAGE}/json$`), query: [] },
  // `fromImage` pulls; `fromSrc` (import a root filesystem from a URL or the body) is not among the parameters.
  { method: 'POST', path: /^\/images\/create$/, query: ['fromImage', 'tag'] },
];

export type GateVerdict =
  | { allowed: true; body?: Uint8Array<ArrayBuffer> }
  | { allowed: false; reason: string };

/**
 * Whether to forward this call. For a container create, the body forwarded is the one checked, re-serialised:
 * the engine's JSON decoder would merge duplicate keys and ignore trailing data that `JSON.parse` never shows.
 */
export function gateEngineCall(method: string, url: URL, body: Uint8Array | null): GateVerdict {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.path.test(url.pathname));
  if (!route || url.pathname.includes('..')) {
    return { allowed: false, reason: `${method} ${url.pathname} is not an engine call the emulator makes` };
  }
  for (const name of url.searchParams.keys()) {
    if (!route.query.includes(name)) {
      return {
        allowed: false,
        reason: `query parameter ${name} is not forwarded on ${method} ${url.pathname}`,
      };
    }
  }
  if (!route.createsContainer) {
    if (body && body.length > 0) {
      return { allowed: false, reason: `${method} ${url.pathname} is forwarded without a body` };
    }
    return { allowed: true };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body ?? new Uint8Array()));
  } catch {
    return { allowed: false, reason: 'a container-create body must be one JSON object' };
  }
  const refusal = createBodyRefusal(parsed);
  if (refusal) return { allowed: false, reason: refusal };
  return { allowed: true, body: new TextEncoder().encode(JSON.stringify(parsed)) };
}

/**
 * The create body is checked against what the Docker adapter builds (`containerBody`), field by field: an
 * allow-list, not a list of known-dangerous fields, so a setting nobody thought of (`PidMode: container:<id>`,
 * `Sysctls`, `PortBindings` on 0.0.0.0, `CgroupParent`, `Runtime` …) is refused because the adapter never sends it.
 * Names must be spelled exactly as the adapter spells them: Go's JSON decoder matches names case-insensitively
 * (with Unicode folding, `ſ` is an `s`), so any other spelling could set a field behind the check's back.
 */
type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isString = (value: unknown): value is string => typeof value === 'string';
const stringList: Check = (value) => Array.isArray(value) && value.every(isString);
const emptyList: Check = (value) => Array.isArray(value) && value.length === 0;
const positiveInt: Check = (value) => Number.isSafeInteger(value) && (value as number) > 0;
// Network names as the adapter's policy admits them: no `container:<id>` (another container's namespaces).
const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PORT = /^[0-9]{1,5}\/tcp$/;
const HOST_PORT = /^[0-9]{1,5}$/;
const EXTRA_HOST =
  /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}:[0-9A-Fa-f.:]+$|^[A-Za-z0-9][A-Za-z0-9.-]{0,252}:host-gateway$/;

/** The console port, published on loopback only (the one binding the adapter makes). */
const portBindings: Check = (value) =>
  isObject(value) &&
  Object.entries(value).every(
    ([port, bindings]) =>
      PORT.test(port) &&
      Array.isArray(bindings) &&
      bindings.length === 1 &&
      isObject(bindings[0]) &&
      Object.keys(bindings[0]).every((key) => key === 'HostIp' || key === 'HostPort') &&
      bindings[0].HostIp === '127.0.0.1' &&
      isString(bindings[0].HostPort) &&
      HOST_PORT.test(bindings[0].HostPort),
  );

const HOST_CONFIG: Record<string, Check> = {
  NetworkMode: (value) => isString(value) && NETWORK.test(value),
  RestartPolicy: (value) =>
    isObject(value) && Object.keys(value).length === 1 && value.Name === 'unless-stopped',
  ExtraHosts: (value) => stringList(value) && (value as string[]).every((entry) => EXTRA_HOST.test(entry)),
  Privileged: (value) => value === false,
  CapAdd: emptyList,
  Binds: emptyList,
  Mounts: emptyList,
  PublishAllPorts: (value) => value === false,
  PortBindings: portBindings,
  Memory: positiveInt,
  NanoCpus: positiveInt,
};

const TOP_LEVEL: Record<string, Check> = {
  Image: (value) => isString(value) && new RegExp(`^${IMAGE}$`).test(value),
  Labels: (value) => isObject(value) && Object.values(value).every(isString),
  HostConfig: isObject,
  ExposedPorts: (value) =>
    isObject(value) &&
    Object.entries(value).every(
      ([port, empty]) => PORT.test(port) && isObject(empty) && !Object.keys(empty).length,
    ),
  Env: stringList,
  WorkingDir: (value) => isString(value) && value.startsWith('/'),
};

/** Why this create body is refused, or undefined when it asks only for what the Docker adapter asks for. */
export function createBodyRefusal(body: unknown): string | undefined {
  if (!isObject(body)) return 'a container-create body must be one JSON object';
  const refusal = refusalAgainst(body, TOP_LEVEL, '');
  if (refusal) return refusal;
  return body.HostConfig === undefined
    ? undefined
    : refusalAgainst(body.HostConfig as Record<string, unknown>, HOST_CONFIG, 'HostConfig.');
}

function refusalAgainst(
  scope: Record<string, unknown>,
  allowed: Record<string, Check>,
  path: string,
): string | undefined {
  for (const [field, value] of Object.entries(scope)) {
    const check = Object.hasOwn(allowed, field) ? allowed[field] : undefined;
    if (!check) return `${path}${field} is not a setting the emulator's Docker adapter sends`;
    if (!check(value)) return `${path}${field} has a value the emulator's Docker adapter never sends`;
  }
  return undefined;
}
