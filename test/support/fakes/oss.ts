import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkOssV4Signature } from '../oss-v4-signature';
import { policyAllows } from '../session-policy';

/**
 * A protocol-level fake of Alibaba Cloud OSS: a real HTTP server on 127.0.0.1 speaking the subset of the OSS
 * REST API that `ali-oss` uses for the OSS store, with OSS's status codes and XML error bodies, so the real
 * `ali-oss` client talks to it unchanged. Point ali-oss at it with `endpoint: 'http://127.0.0.1:<port>'`: for an
 * IP endpoint ali-oss puts the object name straight in the path and the bucket in the `Host` header.
 *
 * The documentation it follows (Alibaba Cloud OSS API reference and error centre):
 * - "Include a V4 signature in the Authorization header (recommended)"
 *   (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4): only
 *   `OSS4-HMAC-SHA256` is accepted, and the signature is recomputed (`oss-v4-signature.ts`) with the registered
 *   secrets and the fake's region: V1 (`OSS <ak>:<sig>`) is refused with 403 `AccessDenied`, as OSS does for new
 *   accounts since 2025-03-01 and new buckets since 2025-09-01 ("OSS V1 signature retirement" notice).
 * - "PutObject" (https://www.alibabacloud.com/help/en/oss/developer-reference/putobject): `x-oss-forbid-overwrite:
 *   true` → 409 `FileAlreadyExists` (error 0026-00000201), only `true`/`false` allowed; the header has no effect
 *   on a bucket whose versioning is Enabled or Suspended (the write becomes a new version), so there the fake
 *   overwrites. `If-Match` and the other `If-*` preconditions → 400 `NotImplemented` (error 0017-00000245).
 * - "GetBucketVersioning" (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketversioning):
 *   `GET /?versioning` → `<VersioningConfiguration>` with `<Status>` only once versioning was ever set.
 * - GetObject / HeadObject (404 `NoSuchKey`; HEAD without a body), DeleteObject, DeleteMultipleObjects,
 *   ListObjectsV2 (`list-type=2`).
 *
 * Temporary credentials (`addSession`, e.g. what a fake STS issued): their requests must carry the matching
 * `x-oss-security-token`, and the session policy they were issued with is enforced on object and list calls
 * (`session-policy.ts`; 403 `AccessDenied` otherwise), as OSS does for STS tokens ("Use temporary access
 * credentials provided by STS to access OSS", https://www.alibabacloud.com/help/en/oss/developer-reference/
 * use-temporary-access-credentials-provided-by-sts-to-access-oss). `sessionPolicies = 'ignored'` models what a
 * smoke run fears instead: credentials that reach the whole bucket whatever their session policy says.
 *
 * Faults are injected per request: 503, 500, 409 `FileImmutable` (a write refused by a retention policy: a 409
 * that is not `FileAlreadyExists`), a reset before anything is applied, a hang past the client's timeout, and a
 * lost response (applied, then the connection dies).
 */
export type OssFault = 'unavailable' | 'internal' | 'immutable' | 'reset' | 'hang' | 'lost-response';

export interface FakeOssObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

const MESSAGES: Record<string, string> = {
  NoSuchKey: 'The specified key does not exist.',
  FileAlreadyExists: 'The object you specified already exists and can not be overwritten.',
  FileImmutable: 'This object is protected by a retention policy and can not be modified.',
  NotImplemented: 'A header you provided implies functionality that is not implemented.',
  InvalidArgument: 'Invalid x-oss-forbid-overwrite value.',
  ServiceUnavailable: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  AccessDenied: 'You have no right to access this object.',
  InvalidAccessKeyId: 'The OSS Access Key Id you provided does not exist in our records.',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided.',
  RequestTimeTooSkewed: 'The difference between the request time and the current time is too large.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
};

const UNSUPPORTED_PUT_PRECONDITIONS = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const xmlUnescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export type BucketVersioning = 'Off' | 'Enabled' | 'Suspended';

export interface FakeOssOptions {
  /** Access key id → secret: the keys whose V4 signatures the fake accepts. */
  credentials: Record<string, string>;
  /** The region in the signature's scope, without `oss-` (default `cn-hangzhou`). */
  region?: string;
}

export interface FakeOssSession {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** The session policy (JSON) the credentials were issued with; none = the role's own reach (the bucket). */
  policy?: string;
}

const OSS_ACTIONS: Record<string, string> = {
  PUT: 'oss:PutObject',
  GET: 'oss:GetObject',
  HEAD: 'oss:GetObject',
  DELETE: 'oss:DeleteObject',
};

export class FakeOssServer {
  /** Stored objects by name: what tests inspect, and may edit to stage a lagging or pruned state. */
  readonly objects = new Map<string, FakeOssObject>();
  readonly requests: { method: string; name: string; query: string }[] = [];
  private readonly faults: { fault: OssFault; method: string | undefined; name: RegExp | undefined }[] = [];
  private server: Server | undefined;
  /** The bucket's versioning state; once set it can be Suspended but never Off again, as on OSS. */
  versioning: BucketVersioning = 'Off';
  /** Whether session policies narrow temporary credentials (OSS: they do). */
  sessionPolicies: 'enforced' | 'ignored' = 'enforced';
  private readonly sessions = new Map<string, FakeOssSession>();

  constructor(private readonly options: FakeOssOptions) {}

  /** Accepts these temporary credentials from now on (with their token, within their session policy). */
  addSession(session: FakeOssSession): void {
    this.sessions.set(session.accessKeyId, session);
  }

  /** The next `count` requests (of `method` and for an object matching `name`, when given) fail with `fault`. */
  injectFault(fault: OssFault, count = 1, method?: string, name?: RegExp): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, method, name });
  }

  pendingFaults(): number {
    return this.faults.length;
  }

  /** Stores an object directly, bypassing the protocol (test staging). */
  setObject(name: string, body: string | Buffer, lastModified = new Date()): void {
    const content = typeof body === 'string' ? Buffer.from(body) : body;
    const etag = createHash('md5').update(content).digest('hex').toUpperCase();
    this.objects.set(name, { body: content, etag, lastModified });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }

  private takeFault(method: string, name: string): OssFault | undefined {
    const index = this.faults.findIndex(
      (pending) =>
        (pending.method === undefined || pending.method === method) && (pending.name?.test(name) ?? true),
    );
    return index === -1 ? undefined : this.faults.splice(index, 1)[0]!.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const name = decodeURIComponent(url.pathname.slice(1));
    this.requests.push({ method, name, query: url.search });

    const signed = checkOssV4Signature(
      req,
      {
        bucket: String(req.headers.host ?? '').split('.')[0] ?? '',
        objectName: name,
        rawQuery: (req.url ?? '').split('?')[1] ?? '',
      },
      { region: this.options.region ?? 'cn-hangzhou', secrets: this.secrets() },
    );
    if (signed.code) {
      // Every signature failure is a 403 on OSS, whatever its code.
      return this.error(res, method, 403, signed.code, `<Reason>${xmlEscape(signed.reason ?? '')}</Reason>`);
    }
    const denied = this.sessionDenial(req, url, name, body);
    if (denied) return this.error(res, method, 403, 'AccessDenied', `<Reason>${xmlEscape(denied)}</Reason>`);
    const fault = this.takeFault(method, name);
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'hang') return;
    if (fault === 'unavailable') return this.error(res, method, 503, 'ServiceUnavailable');
    if (fault === 'internal') return this.error(res, method, 500, 'InternalError');
    if (fault === 'immutable') return this.error(res, method, 409, 'FileImmutable');
    const lose = fault === 'lost-response';

    if (name === '') {
      if (method === 'GET' && url.searchParams.get('list-type') === '2')
        return this.list(res, url.searchParams);
      if (method === 'POST' && url.searchParams.has('delete')) return this.deleteMulti(req, res, body, lose);
      if (method === 'GET' && url.searchParams.has('versioning')) return this.versioningConfig(res);
      return this.error(res, method, 405, 'MethodNotAllowed');
    }

    const current = this.objects.get(name);
    if (method === 'PUT') {
      const unsupported = UNSUPPORTED_PUT_PRECONDITIONS.find((header) => req.headers[header] !== undefined);
      if (unsupported)
        return this.error(res, method, 400, 'NotImplemented', `<Header>${unsupported}</Header>`);
      const forbid = req.headers['x-oss-forbid-overwrite'];
      if (forbid !== undefined && forbid !== 'true' && forbid !== 'false') {
        return this.error(res, method, 400, 'InvalidArgument');
      }
      // Ignored on a versioned bucket: the put becomes the newest version, and the old one is kept behind it.
      if (forbid === 'true' && current && this.versioning === 'Off') {
        return this.error(res, method, 409, 'FileAlreadyExists');
      }
      this.setObject(name, body);
      if (lose) return void req.socket.destroy();
      const etag = this.objects.get(name)!.etag;
      return void res.writeHead(200, { ETag: `"${etag}"`, 'x-oss-request-id': randomUUID() }).end();
    }
    if (method === 'DELETE') {
      this.objects.delete(name);
      if (lose) return void req.socket.destroy();
      return void res.writeHead(204, { 'x-oss-request-id': randomUUID() }).end();
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!current) return this.error(res, method, 404, 'NoSuchKey');
      if (lose) return void req.socket.destroy();
      res.writeHead(200, {
        ETag: `"${current.etag}"`,
        'Last-Modified': current.lastModified.toUTCString(),
        'Content-Length': current.body.length,
        'Content-Type': 'application/octet-stream',
        'x-oss-request-id': randomUUID(),
      });
      return void res.end(method === 'HEAD' ? undefined : current.body);
    }
    return this.error(res, method, 405, 'MethodNotAllowed');
  }

  private secrets(): Record<string, string> {
    const temporary = [...this.sessions.values()].map((s) => [s.accessKeyId, s.accessKeySecret]);
    return { ...this.options.credentials, ...Object.fromEntries(temporary) };
  }

  /** Why a request signed with temporary credentials is refused, if it is. */
  private sessionDenial(req: IncomingMessage, url: URL, name: string, body: Buffer): string | undefined {
    const ak = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const session = this.sessions.get(ak);
    if (!session) return undefined;
    if (req.headers['x-oss-security-token'] !== session.securityToken) return 'invalid security token';
    if (!session.policy || this.sessionPolicies === 'ignored') return undefined;
    const bucket = String(req.headers.host ?? '').split('.')[0] ?? '';
    const method = req.method ?? 'GET';
    const objects = (keys: string[], action: string) =>
      keys.every((key) => policyAllows(session.policy!, action, `acs:oss:*:*:${bucket}/${key}`));
    if (name !== '') {
      return objects([name], OSS_ACTIONS[method] ?? 'oss:Unknown')
        ? undefined
        : `${method} ${name} not allowed`;
    }
    if (method === 'POST' && url.searchParams.has('delete')) {
      const keys = [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) =>
        xmlUnescape(m[1]!),
      );
      return objects(keys, 'oss:DeleteObject') ? undefined : 'DeleteMultipleObjects not allowed';
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const allowed = url.searchParams.has('versioning')
      ? policyAllows(session.policy, 'oss:GetBucketVersioning', `acs:oss:*:*:${bucket}`)
      : policyAllows(session.policy, 'oss:ListObjects', `acs:oss:*:*:${bucket}`, { 'oss:Prefix': prefix });
    return allowed ? undefined : 'bucket operation not allowed';
  }

  private versioningConfig(res: ServerResponse): void {
    const status = this.versioning === 'Off' ? '' : `<Status>${this.versioning}</Status>`;
    res
      .writeHead(200, { 'Content-Type': 'application/xml', 'x-oss-request-id': randomUUID() })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration>${status}</VersioningConfiguration>`,
      );
  }

  /** ListObjectsV2; the continuation token is the last key returned, base64-encoded (opaque to clients). */
  private list(res: ServerResponse, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const token = query.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64').toString('utf8') : (query.get('start-after') ?? '');
    const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? 100));
    const matching = [...this.objects.keys()]
      .filter((name) => name.startsWith(prefix) && byteOrder(name, after) > 0)
      .sort(byteOrder);
    const page = matching.slice(0, maxKeys);
    const truncated = matching.length > page.length;
    const contents = page.map((name) => {
      const object = this.objects.get(name)!;
      return (
        `<Contents><Key>${xmlEscape(name)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
        `<ETag>"${object.etag}"</ETag><Type>Normal</Type><Size>${object.body.length}</Size>` +
        '<StorageClass>Standard</StorageClass></Contents>'
      );
    });
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!).toString('base64')}</NextContinuationToken>`
      : '';
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>fake</Name>' +
      `<Prefix>${xmlEscape(prefix)}</Prefix><MaxKeys>${maxKeys}</MaxKeys><Delimiter></Delimiter>` +
      `<IsTruncated>${truncated}</IsTruncated>${next}<KeyCount>${page.length}</KeyCount>${contents.join('')}` +
      '</ListBucketResult>';
    res.writeHead(200, { 'Content-Type': 'application/xml', 'x-oss-request-id': randomUUID() }).end(xml);
  }

  private deleteMulti(_req: IncomingMessage, res: ServerResponse, body: Buffer, lose: boolean): void {
    const xml = body.toString('utf8');
    const names = [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) => xmlUnescape(match[1]!));
    for (const name of names) this.objects.delete(name);
    if (lose) return void res.socket?.destroy();
    const quiet = /<Quiet>true<\/Quiet>/.test(xml);
    const deleted = quiet
      ? ''
      : names.map((name) => `<Deleted><Key>${xmlEscape(name)}</Key></Deleted>`).join('');
    res
      .writeHead(200, { 'Content-Type': 'application/xml', 'x-oss-request-id': randomUUID() })
      .end(`<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${deleted}</DeleteResult>`);
  }

  /** OSS's error shape: an XML `<Error>` body, except for HEAD, which has none. */
  private error(res: ServerResponse, method: string, status: number, code: string, extra = ''): void {
    const requestId = randomUUID();
    res.writeHead(status, { 'Content-Type': 'application/xml', 'x-oss-request-id': requestId });
    if (method === 'HEAD') return void res.end();
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${MESSAGES[code] ?? code}</Message>` +
        `${extra}<RequestId>${requestId}</RequestId><HostId>fake-oss</HostId><EC>0000-00000000</EC></Error>`,
    );
  }
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
