/**
 * A protocol-level fake of the Alibaba Cloud Function Compute 3.0 API (2023-03-30, ROA + JSON) on 127.0.0.1, for
 * tests that drive the real `@alicloud/fc20230330` client.
 *
 * It verifies the V3 signature (`ACS3-HMAC-SHA256`) against the registered keys, as FC does, and answers with FC's
 * JSON bodies: the `Function` / `Trigger` / `CustomDomain` models on success and `{Code, Message, RequestId}` with
 * the documented status on failure (404 `FunctionNotFound` / `TriggerNotFound` / `DomainNameNotFound`, 409
 * `FunctionAlreadyExists` / `TriggerAlreadyExists`, 403 `AccessDenied`). Uploaded code must be a zip holding the
 * handler's file (`index.js`), so a broken upload fails here as it would on FC, and a `logConfig` must name both
 * its Simple Log Service `project` and `logstore` (FC refuses one without the other with 400 `InvalidArgument`).
 *
 * Modelled: functions (create, get, update), a function's concurrency config (`PutConcurrencyConfig`, which
 * replaces it; `reservedConcurrency` a whole number, 400 `InvalidArgument` otherwise), triggers (create, get,
 * update; `httpTrigger` URLs for `http` triggers), custom domains (create, get, update; each route must name an
 * existing function with an HTTP trigger and a path starting with `/`, as FC requires), and deleting each of
 * them (204). `denyAll()` makes every call a 403 (a RAM user without FC permissions).
 *
 * Requests whose `Host` is one of the custom domains are served as FC's gateway would route them, unsigned:
 * the routed function is not run (the fake runs no code); the answer is 200 with the function's name as the body,
 * which is what the smoke run's echo functions answer, or 404 when no route matches. `routeMatching =
 * 'first-listed'` models what the smoke run fears instead of the documented longest-prefix rule: routes tried in
 * the order they were listed, so a `/*` listed first swallows every path.
 *
 * Stricter where FC's documentation is, and refusing what it does not document:
 * - "Configure custom domain names" (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/
 *   configure-custom-domain-names): a route path is exact, or ends in `*` to match by prefix (longest prefix
 *   wins). A `*` anywhere else is refused with 400 `InvalidArgument` (`routeFor()` resolves a request path the
 *   documented way, for tests of the layout).
 * - "Comparison and compatibility between Function Compute 3.0 and Function Compute 2.0"
 *   (https://www.alibabacloud.com/help/en/functioncompute/feature-updates-in-function-compute-3) and "Configure
 *   instance concurrency": built-in runtimes no longer support instance concurrency, custom runtimes do; an
 *   `instanceConcurrency` above 1 on a built-in runtime is refused with 400 `InvalidArgument`.
 * - "PutConcurrencyConfig" (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/
 *   api-fc-2023-03-30-putconcurrencyconfig) and "Configure instance scaling limits": one function's reserved
 *   concurrency, and all functions' together, may not exceed 90% of the region's instance quota (`regionQuota`,
 *   default 100); more is 400 `InvalidArgument`.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';

export interface FcCall {
  method: string;
  path: string;
  action: string;
  body: Record<string, unknown> | undefined;
}

type Model = Record<string, unknown>;
/** What every request handler returns once it has answered (so each branch can `return this.reply(...)`). */
type Answered = true;

const API = '/2023-03-30';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** File names inside a zip, read from its central directory (the fake checks uploads are real archives). */
export function zipEntryNames(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) return files;
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    const size = zip.readUInt32LE(at + 20);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    files.set(name, zip.readUInt16LE(at + 10) === 8 ? inflateRawSync(raw) : raw);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return files;
}

export class FakeFcServer {
  readonly functions = new Map<string, Model>();
  /** Triggers by `<function>/<trigger>`. */
  readonly triggers = new Map<string, Model>();
  readonly domains = new Map<string, Model>();
  /** `ConcurrencyConfig` models by function name. */
  readonly concurrency = new Map<string, Model>();
  readonly calls: FcCall[] = [];
  /** How a custom domain picks a route: as documented, or the first listed route that matches. */
  routeMatching: 'documented' | 'first-listed' = 'documented';
  private denied = false;
  private server: Server | undefined;

  constructor(
    private readonly options: {
      keys: Record<string, string>;
      accountId: string;
      region: string;
      /** The account's instance quota in the region (default 100). */
      regionQuota?: number;
    },
  ) {}

  /** The function a custom domain sends `path` to, resolved as FC documents: exact first, then longest prefix. */
  routeFor(domain: string, path: string): string | undefined {
    const routes = ((this.domains.get(domain)?.routeConfig as { routes?: Model[] } | undefined)?.routes ??
      []) as Model[];
    const matches = (p: string) => p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1)));
    if (this.routeMatching === 'first-listed') {
      const first = routes.find((r) => matches(String(r.path)));
      return first ? String(first.functionName) : undefined;
    }
    const exact = routes.find((r) => r.path === path);
    if (exact) return String(exact.functionName);
    const prefixes = routes
      .map((r) => String(r.path))
      .filter((p) => p.endsWith('*') && path.startsWith(p.slice(0, -1)))
      .sort((a, b) => b.length - a.length);
    return prefixes[0] ? String(routes.find((r) => r.path === prefixes[0])!.functionName) : undefined;
  }

  denyAll(): void {
    this.denied = true;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private reply(res: ServerResponse, status: number, body?: unknown): Answered {
    const requestId = `1-${randomUUID()}`;
    res.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': requestId });
    res.end(body === undefined ? '' : JSON.stringify(body));
    return true;
  }

  private fail(res: ServerResponse, status: number, code: string, message: string): Answered {
    return this.reply(res, status, { Code: code, Message: message, RequestId: `1-${randomUUID()}` });
  }

  private signatureError(req: IncomingMessage, url: URL, body: Buffer): string | undefined {
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
    if (!match) return 'missing or malformed ACS3-HMAC-SHA256 Authorization';
    const [, ak, signedHeaders, signature] = match as unknown as [string, string, string, string];
    const secret = this.options.keys[ak];
    if (!secret) return `invalid access key ID '${ak}'`;
    const payloadHash = String(req.headers['x-acs-content-sha256'] ?? '');
    if (payloadHash !== sha256(body)) return 'payload hash mismatch';
    const query = [...url.searchParams.keys()]
      .sort()
      .map((k) => `${encode(k)}=${encode(url.searchParams.get(k) ?? '')}`)
      .join('&');
    const headers = signedHeaders
      .split(';')
      .map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`)
      .join('');
    const canonical = [req.method, url.pathname, query, headers, signedHeaders, payloadHash].join('\n');
    const expected = createHmac('sha256', secret)
      .update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`)
      .digest('hex');
    return expected === signature ? undefined : 'The request signature we calculated does not match';
  }

  /** A request to a custom domain: routed, and answered as the routed echo function would answer. */
  private serveDomain(res: ServerResponse, domain: string, path: string): Answered {
    const fn = this.routeFor(domain, path);
    res.writeHead(fn ? 200 : 404, { 'content-type': 'text/plain', 'x-fc-request-id': `1-${randomUUID()}` });
    res.end(fn ?? `no route for ${path}`);
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Answered {
    const url = new URL(req.url ?? '/', 'http://fc.local');
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    if (this.domains.has(host)) return this.serveDomain(res, host, url.pathname);
    const method = req.method ?? 'GET';
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Model) : undefined;
    this.calls.push({ method, path: url.pathname, action: String(req.headers['x-acs-action'] ?? ''), body });
    const signature = this.signatureError(req, url, raw);
    if (signature) return this.fail(res, 403, 'SignatureNotMatch', signature);
    if (this.denied) {
      return this.fail(
        res,
        403,
        'AccessDenied',
        `the caller is not authorized to perform '${method} ${url.pathname}'`,
      );
    }
    const parts = url.pathname.startsWith(`${API}/`) ? url.pathname.slice(API.length + 1).split('/') : [];
    const [collection, name, sub, subName] = parts.map(decodeURIComponent);
    if (collection === 'functions' && sub === undefined) return this.functionCall(res, method, name, body);
    if (collection === 'functions' && sub === 'concurrency' && name && subName === undefined) {
      return this.concurrencyCall(res, method, name, body);
    }
    if (collection === 'functions' && sub === 'triggers' && name) {
      return this.triggerCall(res, method, name, subName, body);
    }
    if (collection === 'custom-domains') return this.domainCall(res, method, name, body);
    return this.fail(res, 400, 'PathNotSupported', `'${method}' against '${url.pathname}' is not supported`);
  }

  private functionCall(
    res: ServerResponse,
    method: string,
    name: string | undefined,
    body?: Model,
  ): Answered {
    if (method === 'POST' && name === undefined) {
      const fn = String(body?.functionName ?? '');
      if (this.functions.has(fn))
        return this.fail(res, 409, 'FunctionAlreadyExists', `function '${fn}' already exists`);
      const invalid = this.invalidFunction(body, true);
      if (invalid) return this.fail(res, 400, 'InvalidArgument', invalid);
      return this.reply(res, 200, this.storeFunction(fn, body!));
    }
    const existing = name ? this.functions.get(name) : undefined;
    if (!existing) return this.fail(res, 404, 'FunctionNotFound', `function '${name}' does not exist`);
    if (method === 'GET') return this.reply(res, 200, existing);
    if (method === 'DELETE') {
      this.functions.delete(name!);
      this.concurrency.delete(name!);
      return this.reply(res, 204);
    }
    if (method === 'PUT') {
      const invalid = this.invalidFunction(body, false, existing);
      if (invalid) return this.fail(res, 400, 'InvalidArgument', invalid);
      return this.reply(res, 200, this.storeFunction(name!, { ...existing, ...body }));
    }
    return this.fail(res, 400, 'PathNotSupported', `${method} on a function is not modelled`);
  }

  private invalidFunction(body: Model | undefined, creating: boolean, existing?: Model): string | undefined {
    if (creating && !/^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/.test(String(body?.functionName ?? ''))) {
      return 'functionName is invalid';
    }
    if (creating && !body?.runtime) return 'runtime is required';
    const runtime = String(body?.runtime ?? existing?.runtime ?? '');
    const concurrency = body?.instanceConcurrency;
    if (typeof concurrency === 'number' && concurrency > 1 && !runtime.startsWith('custom')) {
      return `instanceConcurrency is not supported by the built-in runtime ${runtime}: only custom runtimes take it`;
    }
    const log = body?.logConfig as { project?: unknown; logstore?: unknown } | undefined;
    if (
      log !== undefined &&
      !(typeof log.project === 'string' && log.project && typeof log.logstore === 'string' && log.logstore)
    ) {
      return 'logConfig needs both project and logstore';
    }
    const code = body?.code as { zipFile?: string } | undefined;
    if (creating && !code?.zipFile) return 'code is required';
    if (code?.zipFile && !zipEntryNames(Buffer.from(code.zipFile, 'base64')).has('index.js')) {
      return 'code.zipFile is not a zip archive with index.js at its root';
    }
    return undefined;
  }

  private storeFunction(name: string, input: Model): Model {
    const { code, ...rest } = input as Model & { code?: { zipFile?: string } };
    const previous = this.functions.get(name);
    const zip = code?.zipFile ? Buffer.from(code.zipFile, 'base64') : undefined;
    const fn: Model = {
      ...rest,
      functionName: name,
      functionArn: `acs:fc:${this.options.region}:${this.options.accountId}:functions/${name}`,
      codeSize: zip?.length ?? previous?.codeSize,
      codeChecksum: zip ? sha256(zip) : previous?.codeChecksum,
      state: 'Active',
      lastUpdateStatus: 'Successful',
      lastModifiedTime: new Date().toISOString(),
    };
    this.functions.set(name, fn);
    return fn;
  }

  private triggerCall(
    res: ServerResponse,
    method: string,
    fn: string,
    name?: string,
    body?: Model,
  ): Answered {
    if (!this.functions.has(fn))
      return this.fail(res, 404, 'FunctionNotFound', `function '${fn}' does not exist`);
    if (method === 'POST' && name === undefined) {
      const trigger = String(body?.triggerName ?? '');
      if (this.triggers.has(`${fn}/${trigger}`)) {
        return this.fail(res, 409, 'TriggerAlreadyExists', `trigger '${trigger}' already exists`);
      }
      if (!['http', 'timer'].includes(String(body?.triggerType))) {
        return this.fail(res, 400, 'InvalidArgument', 'triggerType must be http or timer here');
      }
      JSON.parse(String(body?.triggerConfig ?? 'null'));
      return this.reply(res, 200, this.storeTrigger(fn, trigger, body!));
    }
    const existing = name ? this.triggers.get(`${fn}/${name}`) : undefined;
    if (!existing) return this.fail(res, 404, 'TriggerNotFound', `trigger '${name}' does not exist`);
    if (method === 'GET') return this.reply(res, 200, existing);
    if (method === 'PUT') return this.reply(res, 200, this.storeTrigger(fn, name!, { ...existing, ...body }));
    if (method === 'DELETE') {
      this.triggers.delete(`${fn}/${name}`);
      return this.reply(res, 204);
    }
    return this.fail(res, 400, 'PathNotSupported', `${method} on a trigger is not modelled`);
  }

  private storeTrigger(fn: string, name: string, input: Model): Model {
    const id = createHash('md5').update(`${fn}/${name}`).digest('hex').slice(0, 10);
    const host = `${fn}-${id}.${this.options.region}.fcapp.run`;
    const trigger: Model = {
      ...input,
      triggerName: name,
      triggerId: id,
      status: 'Success',
      lastModifiedTime: new Date().toISOString(),
      ...(input.triggerType === 'http'
        ? {
            httpTrigger: {
              urlInternet: `https://${host}`,
              urlIntranet: `https://${fn}-${id}.${this.options.region}-vpc.fcapp.run`,
            },
          }
        : {}),
    };
    this.triggers.set(`${fn}/${name}`, trigger);
    return trigger;
  }

  private concurrencyCall(res: ServerResponse, method: string, fn: string, body?: Model): Answered {
    if (!this.functions.has(fn))
      return this.fail(res, 404, 'FunctionNotFound', `function '${fn}' does not exist`);
    if (method !== 'PUT')
      return this.fail(res, 400, 'PathNotSupported', `${method} on concurrency is not modelled`);
    const reserved = body?.reservedConcurrency;
    if (typeof reserved !== 'number' || !Number.isInteger(reserved) || reserved < 0) {
      return this.fail(res, 400, 'InvalidArgument', 'reservedConcurrency must be a whole number');
    }
    const ceiling = Math.floor((this.options.regionQuota ?? 100) * 0.9);
    const others = [...this.concurrency.entries()]
      .filter(([name]) => name !== fn)
      .reduce((sum, [, c]) => sum + Number(c.reservedConcurrency ?? 0), 0);
    if (reserved > ceiling || others + reserved > ceiling) {
      return this.fail(
        res,
        400,
        'InvalidArgument',
        `reservedConcurrency ${reserved} (with ${others} reserved elsewhere) exceeds 90% of the region quota (${ceiling})`,
      );
    }
    const config = {
      functionArn: `acs:fc:${this.options.region}:${this.options.accountId}:functions/${fn}`,
      functionName: fn,
      reservedConcurrency: reserved,
    };
    this.concurrency.set(fn, config);
    return this.reply(res, 200, config);
  }

  /** FC binds a route only to a function that exists and has an HTTP trigger. */
  private invalidRoutes(body?: Model): string | undefined {
    const routes = ((body?.routeConfig as { routes?: Model[] } | undefined)?.routes ?? []) as Model[];
    for (const route of routes) {
      const fn = String(route.functionName ?? '');
      const path = String(route.path ?? '');
      if (!path.startsWith('/')) return `route path '${path}' is invalid`;
      if (path.slice(0, -1).includes('*')) {
        return `route path '${path}': '*' is only allowed as the last character (a prefix match)`;
      }
      if (!this.functions.has(fn)) return `route ${String(route.path)}: function '${fn}' does not exist`;
      const http = [...this.triggers.entries()].some(
        ([key, t]) => key.startsWith(`${fn}/`) && t.triggerType === 'http',
      );
      if (!http) return `route ${String(route.path)}: function '${fn}' has no HTTP trigger`;
    }
    return undefined;
  }

  private domainCall(res: ServerResponse, method: string, name: string | undefined, body?: Model): Answered {
    const invalid = method === 'POST' || method === 'PUT' ? this.invalidRoutes(body) : undefined;
    if (invalid) return this.fail(res, 400, 'InvalidArgument', invalid);
    if (method === 'POST' && name === undefined) {
      const domain = String(body?.domainName ?? '');
      if (this.domains.has(domain))
        return this.fail(res, 409, 'DomainNameAlreadyExists', `domain name ${domain} already exists`);
      this.domains.set(domain, { ...body, domainName: domain });
      return this.reply(res, 200, this.domains.get(domain));
    }
    const existing = name ? this.domains.get(name) : undefined;
    if (!existing) return this.fail(res, 404, 'DomainNameNotFound', `domain name ${name} does not exist`);
    if (method === 'GET') return this.reply(res, 200, existing);
    if (method === 'DELETE') {
      this.domains.delete(name!);
      return this.reply(res, 204);
    }
    if (method === 'PUT') {
      this.domains.set(name!, { ...existing, ...body, domainName: name });
      return this.reply(res, 200, this.domains.get(name!));
    }
    return this.fail(res, 400, 'PathNotSupported', `${method} on a custom domain is not modelled`);
  }
}
