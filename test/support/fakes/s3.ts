import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { policyAllows } from '../session-policy';

/**
 * A protocol-level fake of Amazon S3: a real HTTP server on 127.0.0.1 speaking the subset of the S3 REST API the
 * S3 adapter uses (path-style GET/PUT/DELETE/HEAD object, `ListObjectsV2` XML, `If-Match` / `If-None-Match` on
 * PUT and DELETE) with S3's real status codes and XML error bodies, so the real `@aws-sdk/client-s3` talks to
 * it unchanged. Signatures are not verified, but a SigV4 `Authorization` header must be present (403 otherwise).
 *
 * Faults are injected per request: throttling (503 `SlowDown`), 500 `InternalError`, 409
 * `ConditionalRequestConflict`, 409 `OperationAborted` (S3's "a conflicting operation is in progress, try
 * again", which has nothing to do with preconditions), a connection reset before anything is applied, a hang past
 * the client's deadline, and a lost response (the write is applied, then the connection dies before the answer).
 *
 * Temporary credentials (`addSession`, e.g. what a fake STS issued) must come with their
 * `x-amz-security-token`, and their session policy is enforced on object calls (403 `AccessDenied` otherwise),
 * as IAM evaluates session policies ("Session policies",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session). Two knobs model what
 * a smoke run fears instead: `sessionPolicies = 'ignored'` (credentials reach the whole bucket) and the
 * `ignoreConditionalWrites` option (a store that accepts `If-Match` / `If-None-Match` on PUT and ignores them:
 * every writer wins, which the store's compare-and-swap cannot survive).
 */
export type S3Fault = 'slowdown' | 'internal' | 'conflict' | 'aborted' | 'reset' | 'hang' | 'lost-response';

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

interface PendingFault {
  fault: S3Fault;
  method: string | undefined;
}

const ERROR_MESSAGES: Record<string, string> = {
  NoSuchKey: 'The specified key does not exist.',
  NoSuchBucket: 'The specified bucket does not exist',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  ConditionalRequestConflict:
    'A conflicting conditional action is currently in progress against this resource.',
  OperationAborted: 'A conflicting conditional operation is currently in progress against this resource.',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  AccessDenied: 'Access Denied',
  NotImplemented: 'A header you provided implies functionality that is not implemented',
};

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** `If-Match` values are quoted on the wire; the comparison is on the bare ETag. */
const bare = (etag: string) => etag.trim().replace(/^"(.*)"$/, '$1');

export interface FakeS3Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The session policy (JSON) the credentials were issued with; none = the role's own reach. */
  policy?: string;
}

const S3_ACTIONS: Record<string, string> = {
  PUT: 's3:PutObject',
  GET: 's3:GetObject',
  HEAD: 's3:GetObject',
  DELETE: 's3:DeleteObject',
};

export class FakeS3Server {
  /** Stored objects by `bucket/key`: what a test inspects to prove nothing was half-written. */
  readonly objects = new Map<string, StoredObject>();
  /** Every request received, in order (method and decoded path). */
  readonly requests: { method: string; path: string }[] = [];
  private readonly buckets = new Set<string>();
  private readonly faults: PendingFault[] = [];
  private server: Server | undefined;
  private readonly sessions = new Map<string, FakeS3Session>();
  /** Whether session policies narrow temporary credentials (IAM: they do). */
  sessionPolicies: 'enforced' | 'ignored' = 'enforced';

  /**
   * `rejectConditionalDelete` models an S3-compatible store that answers `If-Match` on DELETE with 501
   * `NotImplemented` (the adapter must then fall back to its HEAD-and-compare emulation).
   */
  constructor(
    buckets: string[] = [],
    private readonly options: { rejectConditionalDelete?: boolean; ignoreConditionalWrites?: boolean } = {},
  ) {
    for (const bucket of buckets) this.buckets.add(bucket);
  }

  /** Accepts these temporary credentials from now on (with their token, within their session policy). */
  addSession(session: FakeS3Session): void {
    this.sessions.set(session.accessKeyId, session);
  }

  /** The next `count` requests (of `method`, when given) fail with `fault`. */
  injectFault(fault: S3Fault, count = 1, method?: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, method });
  }

  pendingFaults(): number {
    return this.faults.length;
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

  private takeFault(method: string): S3Fault | undefined {
    const index = this.faults.findIndex(
      (pending) => pending.method === undefined || pending.method === method,
    );
    return index === -1 ? undefined : this.faults.splice(index, 1)[0]!.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const path = decodeURIComponent(url.pathname.slice(1));
    this.requests.push({ method, path });
    const slash = path.indexOf('/');
    const bucket = slash === -1 ? path : path.slice(0, slash);
    const key = slash === -1 ? '' : path.slice(slash + 1);

    if (!/^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? '')) {
      return this.error(res, method, 403, 'AccessDenied');
    }
    if (this.sessionDenied(req, method, bucket, key)) return this.error(res, method, 403, 'AccessDenied');
    const fault = this.takeFault(method);
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'hang') return; // never answered: the client's deadline must fire
    if (fault === 'slowdown') return this.error(res, method, 503, 'SlowDown');
    if (fault === 'internal') return this.error(res, method, 500, 'InternalError');
    if (fault === 'conflict') return this.error(res, method, 409, 'ConditionalRequestConflict');
    if (fault === 'aborted') return this.error(res, method, 409, 'OperationAborted');

    if (key === '' && method === 'PUT') {
      this.buckets.add(bucket);
      return void res.writeHead(200).end();
    }
    if (!this.buckets.has(bucket)) return this.error(res, method, 404, 'NoSuchBucket');
    if (key === '' && method === 'GET' && url.searchParams.get('list-type') === '2') {
      return this.list(res, bucket, url.searchParams);
    }

    const id = `${bucket}/${key}`;
    const current = this.objects.get(id);
    const ignore = this.options.ignoreConditionalWrites && method === 'PUT';
    const ifMatch = ignore ? undefined : req.headers['if-match'];
    const ifNoneMatch = ignore ? undefined : req.headers['if-none-match'];
    if (method === 'DELETE' && ifMatch !== undefined && this.options.rejectConditionalDelete) {
      return this.error(res, method, 501, 'NotImplemented');
    }
    if (method === 'PUT' || method === 'DELETE') {
      // S3's order: a missing key under If-Match is 404, a mismatch or an existing key under If-None-Match 412.
      if (ifMatch !== undefined && !current) return this.error(res, method, 404, 'NoSuchKey');
      if (ifMatch !== undefined && current && bare(ifMatch) !== current.etag) {
        return this.error(res, method, 412, 'PreconditionFailed');
      }
      if (method === 'PUT' && ifNoneMatch === '*' && current)
        return this.error(res, method, 412, 'PreconditionFailed');
    }

    if (method === 'PUT') {
      const etag = createHash('md5').update(body).digest('hex');
      this.objects.set(id, { body, etag, lastModified: new Date() });
      if (fault === 'lost-response') return void req.socket.destroy();
      return void res.writeHead(200, { ETag: `"${etag}"`, 'x-amz-request-id': randomUUID() }).end();
    }
    if (method === 'DELETE') {
      this.objects.delete(id);
      if (fault === 'lost-response') return void req.socket.destroy();
      return void res.writeHead(204).end();
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!current) return this.error(res, method, 404, 'NoSuchKey');
      if (fault === 'lost-response') return void req.socket.destroy();
      res.writeHead(200, {
        ETag: `"${current.etag}"`,
        'Last-Modified': current.lastModified.toUTCString(),
        'Content-Length': current.body.length,
        'Content-Type': 'application/octet-stream',
      });
      return void res.end(method === 'HEAD' ? undefined : current.body);
    }
    return this.error(res, method, 501, 'NotImplemented');
  }

  /** A request signed with temporary credentials that lacks their token, or that their policy does not allow. */
  private sessionDenied(req: IncomingMessage, method: string, bucket: string, key: string): boolean {
    const ak = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const session = this.sessions.get(ak);
    if (!session) return false;
    if (req.headers['x-amz-security-token'] !== session.sessionToken) return true;
    if (!session.policy || this.sessionPolicies === 'ignored' || key === '') return false;
    return !policyAllows(session.policy, S3_ACTIONS[method] ?? 's3:Unknown', `arn:aws:s3:::${bucket}/${key}`);
  }

  private list(res: ServerResponse, bucket: string, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const startAfter = query.get('start-after') ?? '';
    const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? 1000));
    const matching = [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((key) => key.startsWith(prefix) && byteOrder(key, startAfter) > 0)
      .sort(byteOrder);
    const page = matching.slice(0, maxKeys);
    const contents = page.map((key) => {
      const object = this.objects.get(`${bucket}/${key}`)!;
      return (
        `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
        `<ETag>&quot;${object.etag}&quot;</ETag><Size>${object.body.length}</Size>` +
        '<StorageClass>STANDARD</StorageClass></Contents>'
      );
    });
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
      (startAfter ? `<StartAfter>${xmlEscape(startAfter)}</StartAfter>` : '') +
      `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      `<IsTruncated>${matching.length > page.length}</IsTruncated>${contents.join('')}</ListBucketResult>`;
    res.writeHead(200, { 'Content-Type': 'application/xml' }).end(xml);
  }

  /** S3's error shape: an XML `<Error>` body, except for HEAD, which has no body. */
  private error(res: ServerResponse, method: string, status: number, code: string): void {
    const requestId = randomUUID();
    res.writeHead(status, { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId });
    if (method === 'HEAD') return void res.end();
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${ERROR_MESSAGES[code] ?? code}` +
        `</Message><RequestId>${requestId}</RequestId><HostId>fake-s3</HostId></Error>`,
    );
  }
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
