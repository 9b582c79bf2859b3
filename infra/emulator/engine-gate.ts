/**
 * What the outbound service lets through to the Docker engine, behind the proxy token: the Engine API calls the
 * Docker adapter (`src/backends/docker*.ts`) makes, with the query parameters it sends, and a container-create body
 * that asks for nothing that escapes the container (DESIGN §7: never privileged, no host binds).
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
 * Fields that would let a container reach the host. They are looked for at the top level too: the engine still
 * reads host settings placed there (the deprecated embedded HostConfig) when the body has no `HostConfig`.
 */
const MUST_BE_FALSE = ['Privileged'];
const MUST_BE_EMPTY = [
  'Binds',
  'Mounts',
  'VolumesFrom',
  'CapAdd',
  'Capabilities',
  'Devices',
  'DeviceRequests',
  'DeviceCgroupRules',
];
const MUST_NOT_BE_HOST = ['PidMode', 'IpcMode', 'UsernsMode', 'UTSMode', 'CgroupnsMode'];
// Present at all, these replace the engine's defaults (an empty list unmasks /proc).
const MUST_BE_ABSENT = ['MaskedPaths', 'ReadonlyPaths'];

/** Why this create body is refused, or undefined when it asks for nothing that escapes the container. */
export function createBodyRefusal(body: unknown): string | undefined {
  if (!isObject(body)) return 'a container-create body must be one JSON object';
  const scopes: Record<string, unknown>[] = [body];
  for (const hostConfig of fieldValues(body, 'HostConfig')) {
    if (hostConfig === null) continue;
    if (!isObject(hostConfig)) return 'HostConfig must be an object';
    scopes.push(hostConfig);
  }
  for (const scope of scopes) {
    for (const field of MUST_BE_FALSE) {
      if (fieldValues(scope, field).some((value) => value !== false && value !== null)) {
        return `${field} containers are refused`;
      }
    }
    for (const field of MUST_BE_EMPTY) {
      const filled = fieldValues(scope, field).some(
        (value) => value !== null && !(Array.isArray(value) && value.length === 0),
      );
      if (filled) return `${field} must be empty: containers get nothing from the host`;
    }
    for (const field of MUST_NOT_BE_HOST) {
      if (fieldValues(scope, field).some((value) => value !== null && isHostMode(value))) {
        return `${field} host is refused`;
      }
    }
    for (const field of MUST_BE_ABSENT) {
      if (fieldValues(scope, field).length > 0) return `${field} is refused`;
    }
    for (const options of fieldValues(scope, 'SecurityOpt')) {
      if (options === null) continue;
      if (!Array.isArray(options)) return 'SecurityOpt must be a list';
      if (
        options.some((option) => typeof option !== 'string' || /unconfined|label[=:]disable/i.test(option))
      ) {
        return 'SecurityOpt entries that turn confinement off are refused';
      }
    }
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isHostMode = (value: unknown): boolean => typeof value !== 'string' || /^host(:|$)/i.test(value.trim());

/**
 * Go's JSON decoder matches field names case-insensitively, with Unicode simple folding (`ſ` is an `s`, the
 * Kelvin sign a `k`), so `privileged` or `Bindſ` set the field too: every such spelling is looked at.
 */
const fold = (name: string): string => name.toUpperCase().toLowerCase();

function fieldValues(scope: Record<string, unknown>, field: string): unknown[] {
  const wanted = fold(field);
  return Object.entries(scope)
    .filter(([name]) => fold(name) === wanted)
    .map(([, value]) => value);
}
