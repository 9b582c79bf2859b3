/**
 * A protocol-level fake of AWS ECS (Fargate services) on 127.0.0.1, spoken to by the real `@aws-sdk/client-ecs`:
 * the AWS JSON 1.1 protocol (`POST /`, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>`,
 * `application/x-amz-json-1.1`, errors as `{"__type", "message"}`), SigV4 signatures (verified), epoch-second
 * timestamps. The same port also serves a tiny OCI registry (`/v2/...`, anonymous Bearer-token challenge), which
 * is where tasks "pull" their images from.
 *
 * What it models, because it is what makes ECS hard (a discrete-event simulation evaluated lazily per request):
 * - deployments and scaling are asynchronous: a task is PENDING for `taskStartMs`, a stopped task drains for
 *   `taskStopMs`; a rollout is IN_PROGRESS until the new task runs and the old ones have stopped;
 * - a task whose image is not in the registry stops with `CannotPullContainerError`; with the deployment circuit
 *   breaker on, `circuitBreakerThreshold` such failures turn the rollout FAILED (otherwise it retries forever);
 * - `stickDeployments()` leaves new tasks PENDING (a stuck rollout);
 * - eventual consistency: a new service is MISSING from DescribeServices/ListServices for `visibilityDelayMs`;
 * - DeleteService: ACTIVE → DRAINING (tasks stop) → INACTIVE; a create with a DRAINING name is refused;
 * - an old task keeps running for `oldInstanceLingerMs` more after it was told to stop (update or sleep);
 * - injectable `ThrottlingException` (`throttle()`);
 * - RegisterTaskDefinition throttled by a token bucket of `registerBurst` (20) refilled at `registerPerSecond`
 *   (1/s), answering 400 `ThrottlingException` "Rate exceeded" when empty;
 * - task-definition revisions stay ACTIVE until DeregisterTaskDefinition marks them INACTIVE; an INACTIVE one
 *   keeps its running services and tasks but cannot create or update a service; ListTaskDefinitions pages the
 *   ARNs by `familyPrefix` and `status`; DeleteTaskDefinitions takes only INACTIVE revisions (an ACTIVE one comes
 *   back in `failures`) and marks them DELETE_IN_PROGRESS;
 * - `deny(action)`: 400 `AccessDeniedException` for that action, as ECS answers a caller whose IAM policy (or its
 *   tag condition) does not allow it.
 *
 * The documentation it follows: the Amazon ECS API Reference (https://docs.aws.amazon.com/AmazonECS/latest/
 * APIReference/Welcome.html) for each action's shapes and errors, "Common Errors" for the JSON 1.1 error
 * bodies, "Request throttling for the Amazon ECS API" (https://docs.aws.amazon.com/AmazonECS/latest/
 * developerguide/request-throttling.html: token buckets per account and Region; RegisterTaskDefinition 20 burst,
 * 1/s sustained, as also reported in aws-actions/amazon-ecs-deploy-task-definition#502), "DeregisterTaskDefinition"
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html), "DeleteService"
 * (ACTIVE → DRAINING → INACTIVE), "DeleteTaskDefinitions"
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteTaskDefinitions.html) and "Signature Version 4 signing process" for the Authorization header.
 */

import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEcsOptions {
  region?: string;
  accountId?: string;
  clusters?: string[];
  accessKeyId?: string;
  secretAccessKey?: string;
  /** When set, requests must carry this `x-amz-security-token`. */
  sessionToken?: string;
  taskStartMs?: number;
  taskStopMs?: number;
  oldInstanceLingerMs?: number;
  visibilityDelayMs?: number;
  circuitBreakerThreshold?: number;
  /** RegisterTaskDefinition's token bucket: capacity and refill per second (ECS: about 20 and 1). */
  registerBurst?: number;
  registerPerSecond?: number;
}

interface TaskDefinition {
  arn: string;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  family: string;
  revision: number;
  body: Record<string, unknown>;
  image: string;
  env: Record<string, string>;
}

interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: TaskDefinition;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
}

export interface FakeEcsTask {
  arn: string;
  service: string;
  deploymentId: string;
  taskDefinition: TaskDefinition;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  startAt: number;
  startedAt?: number;
  stopAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
}

export interface FakeEcsService {
  arn: string;
  name: string;
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  deployments: Deployment[];
  tags: { key: string; value: string }[];
  clientToken?: string;
  circuitBreaker: boolean;
  request: Record<string, unknown>;
  createdAt: number;
  visibleAt: number;
  tasks: FakeEcsTask[];
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const FARGATE: Record<string, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
  8192: Array.from({ length: 12 }, (_, i) => 16384 + i * 4096),
  16384: Array.from({ length: 12 }, (_, i) => 32768 + i * 8192),
};
const TARGET = 'AmazonEC2ContainerServiceV20141113.';
const epoch = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export class FakeEcsServer {
  readonly requests: {
    action: string;
    body: Record<string, unknown>;
    at: number;
    status?: number;
    type?: string;
  }[] = [];
  readonly services = new Map<string, FakeEcsService>();
  private readonly families = new Map<string, TaskDefinition[]>();
  private readonly images = new Set<string>();
  private readonly tokens = new Set<string>();
  private readonly o: Required<Omit<FakeEcsOptions, 'sessionToken'>> & { sessionToken?: string };
  private throttles: { remaining: number; action?: string }[] = [];
  private drops: { remaining: number; action: string }[] = [];
  private stuck = false;
  private readonly denied = new Set<string>();
  private registerTokens: number;
  private registerRefilledAt = Date.now();

  private constructor(
    private readonly server: Server,
    options: FakeEcsOptions,
  ) {
    this.o = {
      region: 'us-east-1',
      accountId: '123456789012',
      clusters: ['agents'],
      accessKeyId: 'AKIAFAKEECS000000001',
      secretAccessKey: 'fake-ecs-secret-access-key',
      taskStartMs: 100,
      taskStopMs: 60,
      oldInstanceLingerMs: 0,
      visibilityDelayMs: 60,
      circuitBreakerThreshold: 3,
      registerBurst: 20,
      registerPerSecond: 1,
      ...options,
    };
    this.registerTokens = this.o.registerBurst;
    // A zero start time would let a failing task be relaunched and fail again at the same instant, forever.
    this.o.taskStartMs = Math.max(1, this.o.taskStartMs);
  }

  static async start(options: FakeEcsOptions = {}): Promise<FakeEcsServer> {
    let fake: FakeEcsServer | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeEcsServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get endpoint(): string {
    return `http://${this.host}`;
  }

  get credentials() {
    return {
      accessKeyId: this.o.accessKeyId,
      secretAccessKey: this.o.secretAccessKey,
      ...(this.o.sessionToken ? { sessionToken: this.o.sessionToken } : {}),
    };
  }

  /** A full image reference in this fake's registry, e.g. `image('agents/worker:1')`. */
  image(repositoryAndTag: string): string {
    return `${this.host}/${repositoryAndTag}`;
  }

  pushImage(image: string): void {
    this.images.add(image);
  }

  throttle(count: number, action?: string): void {
    this.throttles.push({ remaining: count, ...(action ? { action } : {}) });
  }

  /** Every later `action` call is refused with `AccessDeniedException` (an IAM policy that does not allow it). */
  deny(action: string): void {
    this.denied.add(action);
  }

  /** The next `count` requests of `action` are carried out, but their responses are lost (connection reset). */
  dropResponses(count: number, action: string): void {
    this.drops.push({ remaining: count, action });
  }

  /** While on, new tasks stay PENDING; turning it off lets them start after `taskStartMs`. */
  stickDeployments(on: boolean): void {
    this.stuck = on;
    if (on) return;
    for (const s of this.services.values()) {
      for (const t of s.tasks)
        if (t.startAt === Number.POSITIVE_INFINITY) t.startAt = Date.now() + this.o.taskStartMs;
    }
  }

  service(name: string): FakeEcsService | undefined {
    this.settle();
    return [...this.services.values()].find((s) => s.name === name);
  }

  /** ARNs of a family's revisions that are still ACTIVE. */
  activeRevisions(family: string): string[] {
    return (this.families.get(family) ?? []).filter((td) => td.status === 'ACTIVE').map((td) => td.arn);
  }

  requestsFor(action: string) {
    return this.requests.filter((r) => r.action === action);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/token' || url.pathname.startsWith('/v2/')) return this.registry(req, url, res);
    const requestId = randomUUID();
    let record: FakeEcsServer['requests'][number] | undefined;
    const send = (status: number, body: unknown) => {
      if (record) {
        record.status = status;
        record.type = (body as { __type?: string }).__type;
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || url.pathname !== '/' || !target.startsWith(TARGET)) {
        throw new AwsError(400, 'UnknownOperationException', 'Unknown operation');
      }
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        throw new AwsError(400, 'SerializationException', 'expected application/x-amz-json-1.1');
      }
      this.authenticate(req, raw);
      const action = target.slice(TARGET.length);
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      record = { action, body, at: Date.now() };
      this.requests.push(record);
      const throttle = this.throttles.find((t) => t.remaining > 0 && (!t.action || t.action === action));
      if (throttle) {
        throttle.remaining--;
        throw new AwsError(400, 'ThrottlingException', 'Rate exceeded');
      }
      if (this.denied.has(action)) {
        throw new AwsError(
          400,
          'AccessDeniedException',
          `User: arn:aws:iam::${this.o.accountId}:user/smoke is not authorized to perform: ecs:${action}`,
        );
      }
      this.settle();
      const result = this.dispatch(action, body);
      const drop = this.drops.find((d) => d.remaining > 0 && d.action === action);
      if (drop) {
        drop.remaining--;
        record.status = 0;
        req.socket.destroy();
        return;
      }
      send(200, result);
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'ServerException', String(error));
      send(e.status, { __type: e.type, message: e.message });
    }
  }

  /** SigV4 recomputed from what arrived (service `ecs`). */
  private authenticate(req: IncomingMessage, body: Buffer): void {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/ecs\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        String(req.headers.authorization ?? ''),
      );
    if (!m) throw new AwsError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const [, keyId, date, region, signedHeaders, signature] = m;
    if (
      keyId !== this.o.accessKeyId ||
      (this.o.sessionToken && req.headers['x-amz-security-token'] !== this.o.sessionToken)
    ) {
      throw new AwsError(
        400,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const payload = sha256(body);
    const headers = signedHeaders!
      .split(';')
      .map(
        (h) =>
          `${h}:${String(req.headers[h] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join('');
    const canonical = ['POST', '/', '', headers, signedHeaders, payload].join('\n');
    const scope = `${date}/${region}/ecs/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, sha256(canonical)].join(
      '\n',
    );
    const key = hmac(
      hmac(hmac(hmac(`AWS4${this.o.secretAccessKey}`, date!), region!), 'ecs'),
      'aws4_request',
    );
    const claimed = req.headers['x-amz-content-sha256'];
    if ((claimed && claimed !== payload) || hmac(key, toSign).toString('hex') !== signature) {
      throw new AwsError(
        400,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
  }

  private registry(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (url.pathname === '/token') {
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
      return;
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer || !this.tokens.has(bearer)) {
      const scope = m ? `,scope="repository:${m[1]}:pull"` : '';
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${this.endpoint}/token",service="fake-registry"${scope}`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const image = m ? `${this.host}/${m[1]}${m[2]!.startsWith('sha256:') ? '@' : ':'}${m[2]}` : '';
    if (!m || !this.images.has(image)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'docker-content-digest': `sha256:${sha256(image)}`,
    });
    res.end(req.method === 'HEAD' ? undefined : '{}');
  }

  // ---- actions -------------------------------------------------------------------------------------------

  private dispatch(action: string, b: Record<string, unknown>): unknown {
    const now = Date.now();
    const cluster = typeof b.cluster === 'string' ? b.cluster : 'default';
    if (!action.includes('TaskDefinition') && !this.o.clusters.includes(cluster)) {
      throw new AwsError(400, 'ClusterNotFoundException', 'Cluster not found.');
    }
    switch (action) {
      case 'RegisterTaskDefinition':
        this.takeRegisterToken(now);
        return this.register(b);
      case 'DeregisterTaskDefinition':
        return this.deregister(b);
      case 'ListTaskDefinitions':
        return this.listTaskDefinitions(b);
      case 'DeleteTaskDefinitions':
        return this.deleteTaskDefinitions(b);
      case 'CreateService':
        return { service: this.shape(this.createService(cluster, b, now), true) };
      case 'UpdateService':
        return { service: this.shape(this.updateService(cluster, b, now), true) };
      case 'DeleteService':
        return { service: this.shape(this.deleteService(cluster, b, now), true) };
      case 'DescribeServices':
        return this.describeServices(cluster, b, now);
      case 'ListServices':
        return this.listServices(cluster, b, now);
      case 'ListTasks':
        return this.listTasks(cluster, b, now);
      case 'DescribeTasks':
        return this.describeTasks(cluster, b);
      default:
        throw new AwsError(400, 'UnknownOperationException', `Unknown operation ${action}`);
    }
  }

  private register(b: Record<string, unknown>) {
    const family = String(b.family ?? '');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family))
      throw new AwsError(400, 'ClientException', 'Family contains invalid characters.');
    const containers = (b.containerDefinitions ?? []) as {
      name?: string;
      image?: string;
      environment?: { name: string; value: string }[];
    }[];
    if (!containers.length || containers.some((c) => !c.name || !c.image)) {
      throw new AwsError(
        400,
        'ClientException',
        'Container.name and Container.image should not be null or empty.',
      );
    }
    if ((b.requiresCompatibilities as string[] | undefined)?.includes('FARGATE')) {
      if (b.networkMode !== 'awsvpc')
        throw new AwsError(
          400,
          'ClientException',
          'Fargate requires task definition to have networkMode set to awsvpc.',
        );
      if (!FARGATE[String(b.cpu)]?.includes(Number(b.memory))) {
        throw new AwsError(400, 'ClientException', 'No Fargate configuration exists for given values.');
      }
    }
    const list = this.families.get(family) ?? [];
    const revision = list.length + 1;
    const td: TaskDefinition = {
      status: 'ACTIVE',
      arn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:task-definition/${family}:${revision}`,
      family,
      revision,
      body: b,
      image: containers[0]!.image!,
      env: Object.fromEntries((containers[0]!.environment ?? []).map((e) => [e.name, e.value])),
    };
    list.push(td);
    this.families.set(family, list);
    const { tags, ...definition } = b;
    return { taskDefinition: { ...definition, taskDefinitionArn: td.arn, revision, status: 'ACTIVE' }, tags };
  }

  private takeRegisterToken(now: number): void {
    const refill = ((now - this.registerRefilledAt) / 1000) * this.o.registerPerSecond;
    this.registerTokens = Math.min(this.o.registerBurst, this.registerTokens + refill);
    this.registerRefilledAt = now;
    if (this.registerTokens < 1) throw new AwsError(400, 'ThrottlingException', 'Rate exceeded');
    this.registerTokens -= 1;
  }

  private deregister(b: Record<string, unknown>) {
    const td = this.taskDefinition(b.taskDefinition, true);
    if (!String(b.taskDefinition ?? '').includes(':')) {
      throw new AwsError(400, 'ClientException', 'You must specify a revision.');
    }
    td.status = 'INACTIVE';
    return {
      taskDefinition: { ...td.body, taskDefinitionArn: td.arn, revision: td.revision, status: td.status },
    };
  }

  private deleteTaskDefinitions(b: Record<string, unknown>) {
    const deleted: Record<string, unknown>[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of (b.taskDefinitions ?? []) as string[]) {
      const td = this.taskDefinition(ref, true);
      if (td.status === 'ACTIVE') {
        failures.push({ arn: td.arn, reason: 'The specified task definition is still in ACTIVE status.' });
        continue;
      }
      td.status = 'DELETE_IN_PROGRESS';
      deleted.push({ ...td.body, taskDefinitionArn: td.arn, revision: td.revision, status: td.status });
    }
    return { taskDefinitions: deleted, failures };
  }

  private listTaskDefinitions(b: Record<string, unknown>) {
    const prefix = String(b.familyPrefix ?? '');
    const status = String(b.status ?? 'ACTIVE');
    const all = [...this.families.entries()]
      .filter(([family]) => family.startsWith(prefix))
      .flatMap(([, list]) => list.filter((td) => td.status === status).map((td) => td.arn));
    const start = Number(b.nextToken ?? 0);
    const size = Math.min(Number(b.maxResults ?? 100), 100);
    const page = all.slice(start, start + size);
    return {
      taskDefinitionArns: page,
      ...(start + size < all.length ? { nextToken: String(start + size) } : {}),
    };
  }

  /** A revision by ARN or `family[:revision]`; only an ACTIVE one can start services unless `anyStatus`. */
  private taskDefinition(ref: unknown, anyStatus = false): TaskDefinition {
    const text = String(ref ?? '');
    const [family, revision] = (
      text.includes('task-definition/') ? text.split('task-definition/')[1]! : text
    ).split(':');
    const list = this.families.get(family ?? '') ?? [];
    const td = revision ? list[Number(revision) - 1] : list.filter((t) => t.status === 'ACTIVE').at(-1);
    if (!td) throw new AwsError(400, 'InvalidParameterException', 'TaskDefinition not found.');
    if (!anyStatus && td.status !== 'ACTIVE') {
      throw new AwsError(400, 'ClientException', `TaskDefinition is inactive: ${td.arn}`);
    }
    return td;
  }

  private createService(cluster: string, b: Record<string, unknown>, now: number): FakeEcsService {
    const name = String(b.serviceName ?? '');
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,254}$/.test(name))
      throw new AwsError(400, 'InvalidParameterException', 'Invalid service name.');
    const td = this.taskDefinition(b.taskDefinition);
    const subnets = (b.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)
      ?.awsvpcConfiguration?.subnets;
    if (!subnets?.length) {
      throw new AwsError(
        400,
        'InvalidParameterException',
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      );
    }
    const tags = (b.tags ?? []) as { key: string; value: string }[];
    if (tags.length > 50 || tags.some((t) => t.key.startsWith('aws:')))
      throw new AwsError(400, 'InvalidParameterException', 'Invalid tags.');
    const key = `${cluster}/${name}`;
    const existing = this.services.get(key);
    if (existing?.status === 'DRAINING')
      throw new AwsError(
        400,
        'InvalidParameterException',
        'Unable to Start a service that is still Draining.',
      );
    if (existing?.status === 'ACTIVE') {
      const same =
        b.clientToken &&
        existing.clientToken === b.clientToken &&
        existing.deployments[0]!.taskDefinition === td;
      if (same) return existing;
      throw new AwsError(400, 'InvalidParameterException', 'Creation of service was not idempotent.');
    }
    const breaker = (
      b.deploymentConfiguration as { deploymentCircuitBreaker?: { enable?: boolean } } | undefined
    )?.deploymentCircuitBreaker?.enable;
    const service: FakeEcsService = {
      arn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:service/${cluster}/${name}`,
      name,
      cluster,
      status: 'ACTIVE',
      desiredCount: Number(b.desiredCount ?? 0),
      deployments: [this.deployment(td, now)],
      tags,
      ...(typeof b.clientToken === 'string' ? { clientToken: b.clientToken } : {}),
      circuitBreaker: breaker === true,
      request: b,
      createdAt: now,
      visibleAt: now + this.o.visibilityDelayMs,
      tasks: [],
    };
    this.services.set(key, service);
    this.schedule(service, now);
    return service;
  }

  private find(cluster: string, ref: unknown, now: number): FakeEcsService | undefined {
    const name =
      String(ref ?? '')
        .split('/')
        .pop() ?? '';
    const s = this.services.get(`${cluster}/${name}`);
    return s && s.visibleAt <= now ? s : undefined;
  }

  private updateService(cluster: string, b: Record<string, unknown>, now: number): FakeEcsService {
    const s = this.find(cluster, b.service, now);
    if (!s) throw new AwsError(400, 'ServiceNotFoundException', 'Service not found.');
    if (s.status !== 'ACTIVE')
      throw new AwsError(400, 'ServiceNotActiveException', 'Service was not ACTIVE.');
    if (b.desiredCount !== undefined) s.desiredCount = Number(b.desiredCount);
    const td =
      b.taskDefinition === undefined
        ? s.deployments[0]!.taskDefinition
        : this.taskDefinition(b.taskDefinition);
    if (td !== s.deployments[0]!.taskDefinition || b.forceNewDeployment === true) {
      for (const d of s.deployments) d.status = 'ACTIVE';
      s.deployments.unshift(this.deployment(td, now));
    }
    this.schedule(s, now);
    return s;
  }

  private deleteService(cluster: string, b: Record<string, unknown>, now: number): FakeEcsService {
    const s = this.find(cluster, b.service, now);
    if (!s) throw new AwsError(400, 'ServiceNotFoundException', 'Service not found.');
    if (s.status !== 'ACTIVE')
      throw new AwsError(400, 'ServiceNotActiveException', 'Service was not ACTIVE.');
    if (b.force !== true && s.desiredCount > 0) {
      throw new AwsError(
        400,
        'InvalidParameterException',
        'The service cannot be stopped while it is scaled above 0.',
      );
    }
    s.status = 'DRAINING';
    s.desiredCount = 0;
    this.schedule(s, now);
    return s;
  }

  private describeServices(cluster: string, b: Record<string, unknown>, now: number) {
    const refs = (b.services ?? []) as string[];
    if (refs.length === 0 || refs.length > 10)
      throw new AwsError(400, 'InvalidParameterException', 'services must contain 1 to 10 entries.');
    const withTags = ((b.include ?? []) as string[]).includes('TAGS');
    const services = [];
    const failures = [];
    for (const ref of refs) {
      const s = this.find(cluster, ref, now);
      if (s) services.push(this.shape(s, withTags));
      else
        failures.push({
          arn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:service/${cluster}/${ref.split('/').pop()}`,
          reason: 'MISSING',
        });
    }
    return { services, failures };
  }

  private listServices(cluster: string, b: Record<string, unknown>, now: number) {
    const max = Number(b.maxResults ?? 10);
    if (max < 1 || max > 100)
      throw new AwsError(400, 'InvalidParameterException', 'maxResults must be between 1 and 100.');
    let offset = 0;
    if (b.nextToken !== undefined) {
      offset = Number(JSON.parse(Buffer.from(String(b.nextToken), 'base64url').toString('utf8')).offset);
      if (!Number.isInteger(offset))
        throw new AwsError(400, 'InvalidParameterException', 'Invalid nextToken.');
    }
    const all = [...this.services.values()]
      .filter((s) => s.cluster === cluster && s.status !== 'INACTIVE' && s.visibleAt <= now)
      .sort((x, y) => x.createdAt - y.createdAt || x.name.localeCompare(y.name));
    const page = all.slice(offset, offset + max);
    const next =
      offset + max < all.length
        ? Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64url')
        : undefined;
    return { serviceArns: page.map((s) => s.arn), ...(next ? { nextToken: next } : {}) };
  }

  private listTasks(cluster: string, b: Record<string, unknown>, now: number) {
    const s = this.find(cluster, b.serviceName, now);
    if (!s) throw new AwsError(400, 'ServiceNotFoundException', 'Service not found.');
    const desired = String(b.desiredStatus ?? 'RUNNING');
    return { taskArns: s.tasks.filter((t) => t.desiredStatus === desired).map((t) => t.arn) };
  }

  private describeTasks(cluster: string, b: Record<string, unknown>) {
    const refs = (b.tasks ?? []) as string[];
    if (refs.length === 0 || refs.length > 100)
      throw new AwsError(400, 'InvalidParameterException', 'tasks must contain 1 to 100 entries.');
    const all = [...this.services.values()].filter((s) => s.cluster === cluster).flatMap((s) => s.tasks);
    const tasks = [];
    const failures = [];
    for (const ref of refs) {
      const t = all.find((task) => task.arn === ref || task.arn.endsWith(`/${ref}`));
      if (!t) {
        failures.push({ arn: ref, reason: 'MISSING' });
        continue;
      }
      tasks.push({
        taskArn: t.arn,
        clusterArn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:cluster/${cluster}`,
        taskDefinitionArn: t.taskDefinition.arn,
        group: `service:${t.service}`,
        lastStatus: t.lastStatus,
        desiredStatus: t.desiredStatus,
        launchType: 'FARGATE',
        createdAt: epoch(t.createdAt),
        startedAt: epoch(t.startedAt),
        stoppedAt: epoch(t.stoppedAt),
        stoppedReason: t.stoppedReason,
        stopCode: t.stopCode,
        containers: [{ name: 'worker', image: t.taskDefinition.image, lastStatus: t.lastStatus }],
      });
    }
    return { tasks, failures };
  }

  private shape(s: FakeEcsService, withTags: boolean) {
    const running = s.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING');
    const pending = s.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'PENDING');
    return {
      serviceArn: s.arn,
      serviceName: s.name,
      clusterArn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:cluster/${s.cluster}`,
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: running.length,
      pendingCount: pending.length,
      launchType: 'FARGATE',
      taskDefinition: s.deployments[0]!.taskDefinition.arn,
      deployments:
        s.status === 'INACTIVE'
          ? []
          : s.deployments.map((d) => ({
              id: d.id,
              status: d.status,
              taskDefinition: d.taskDefinition.arn,
              desiredCount: d.status === 'PRIMARY' ? s.desiredCount : 0,
              runningCount: running.filter((t) => t.deploymentId === d.id).length,
              pendingCount: pending.filter((t) => t.deploymentId === d.id).length,
              failedTasks: d.failedTasks,
              rolloutState: d.rolloutState,
              rolloutStateReason: d.rolloutStateReason,
              createdAt: epoch(d.createdAt),
              updatedAt: epoch(d.updatedAt),
            })),
      createdAt: epoch(s.createdAt),
      propagateTags: s.request.propagateTags,
      networkConfiguration: s.request.networkConfiguration,
      deploymentConfiguration: s.request.deploymentConfiguration,
      ...(withTags ? { tags: s.tags } : {}),
    };
  }

  // ---- the simulation ------------------------------------------------------------------------------------

  private deployment(td: TaskDefinition, at: number): Deployment {
    const id = `ecs-svc/${randomBytes(8).readBigUInt64BE().toString().slice(0, 19)}`;
    return {
      id,
      status: 'PRIMARY',
      taskDefinition: td,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
    };
  }

  /** Process every task event due by `now`, in time order, re-running the scheduler after each. */
  private settle(now = Date.now()): void {
    for (;;) {
      let next: { at: number; task: FakeEcsTask; service: FakeEcsService } | undefined;
      for (const service of this.services.values()) {
        for (const task of service.tasks) {
          const at =
            task.lastStatus === 'PENDING'
              ? task.startAt
              : task.lastStatus === 'STOPPING'
                ? task.stopAt
                : undefined;
          if (at !== undefined && at <= now && (!next || at < next.at)) next = { at, task, service };
        }
      }
      if (!next) return;
      const { at, task, service } = next;
      if (task.lastStatus === 'STOPPING') {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = at;
      } else if (this.images.has(task.taskDefinition.image)) {
        task.lastStatus = 'RUNNING';
        task.startedAt = at;
      } else {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = at;
        task.desiredStatus = 'STOPPED';
        task.stopCode = 'TaskFailedToStart';
        task.stoppedReason = `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${task.taskDefinition.image}: not found`;
        const d = service.deployments.find((x) => x.id === task.deploymentId);
        if (d) d.failedTasks++;
      }
      this.schedule(service, at);
    }
  }

  private stopTask(task: FakeEcsTask, at: number, reason: string): void {
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = 'ServiceSchedulerInitiated';
    if (task.lastStatus === 'PENDING') {
      task.lastStatus = 'STOPPED';
      task.stoppedAt = at;
    } else if (task.lastStatus === 'RUNNING') {
      task.lastStatus = 'STOPPING';
      task.stopAt = at + this.o.taskStopMs + this.o.oldInstanceLingerMs;
    }
  }

  /** The service scheduler at time `at`: drain old deployments, match the desired count, judge the rollout. */
  private schedule(s: FakeEcsService, at: number): void {
    const wanted = s.tasks.filter((t) => t.desiredStatus === 'RUNNING');
    const alive = (t: FakeEcsTask) => t.lastStatus !== 'STOPPED';
    if (s.status !== 'ACTIVE') {
      for (const t of wanted) this.stopTask(t, at, 'Service deleted');
      if (s.status === 'DRAINING' && !s.tasks.some(alive)) s.status = 'INACTIVE';
      return;
    }
    const primary = s.deployments[0]!;
    for (const t of wanted)
      if (t.deploymentId !== primary.id) this.stopTask(t, at, `Deployment ${primary.id} replaced it`);
    const mine = wanted.filter((t) => t.deploymentId === primary.id);
    for (const t of mine.slice(s.desiredCount).reverse())
      this.stopTask(t, at, 'Scaling activity initiated by deployment');
    if (
      s.circuitBreaker &&
      primary.rolloutState === 'IN_PROGRESS' &&
      primary.failedTasks >= this.o.circuitBreakerThreshold
    ) {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      primary.updatedAt = at;
    }
    if (primary.rolloutState !== 'FAILED') {
      for (let n = mine.length; n < s.desiredCount; n++) {
        s.tasks.push({
          arn: `arn:aws:ecs:${this.o.region}:${this.o.accountId}:task/${s.cluster}/${randomBytes(16).toString('hex')}`,
          service: s.name,
          deploymentId: primary.id,
          taskDefinition: primary.taskDefinition,
          lastStatus: 'PENDING',
          desiredStatus: 'RUNNING',
          createdAt: at,
          startAt: this.stuck ? Number.POSITIVE_INFINITY : at + this.o.taskStartMs,
        });
      }
    }
    const running = s.tasks.filter(
      (t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING',
    );
    const oldAlive = s.tasks.some((t) => t.deploymentId !== primary.id && alive(t));
    if (primary.rolloutState === 'IN_PROGRESS' && running.length >= s.desiredCount && !oldAlive) {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      primary.updatedAt = at;
      s.deployments = [primary];
    }
  }
}
