/**
 * A protocol-level fake of Alibaba Cloud SAE (2019-05-06) on 127.0.0.1, spoken to by the real
 * `@alicloud/openapi-client`: ROA paths, query + form bodies, ACS3-HMAC-SHA256 signatures (verified), the JSON
 * envelope `{Code, Success, Message, RequestId, Data}` and SAE's HTTP error statuses and codes.
 *
 * What it models, because it is what makes SAE hard:
 * - every change is an asynchronous change order that completes after `changeOrderMs`; a second change while one
 *   runs fails with 400 `Application.ChangerOrderRunning`; `stickChangeOrders()` leaves orders running (stuck),
 *   `failNextChangeOrder()` makes one end in FAIL with a crash-looping instance;
 * - eventual consistency: a created app is invisible to describe/list/tag calls for `visibilityDelayMs`, while
 *   its name is already taken (a duplicate CreateApplication fails with `InvalidParameter.WithMessage {AppName}`);
 * - an old instance keeps running (`Terminating`) for `oldInstanceLingerMs` after a stop or a deploy;
 * - DeployApplication and RestartApplication keep `MinReadyInstances` old instances (default 1) serving until
 *   the new one is ready: unless the request says `MinReadyInstances=0`, the new instance starts beside the old
 *   one and both run until the order ends (`maxRunning` records the most that ever ran at once). With 0, the old
 *   one is stopped when the order starts and the new one boots when it ends ("DeployApplication",
 *   https://www.alibabacloud.com/help/en/sae/api-sae-2019-05-06-deployapplication, and "RestartApplication",
 *   https://www.alibabacloud.com/help/en/sae/api-sae-2019-05-06-restartapplication: MinReadyInstances, the
 *   minimum number of ready instances kept during the change);
 * - injectable throttling (`throttle()`: `Throttling.User` 400 by default, or 503);
 * - images: only pushed images can be pulled. Modelling choice: with `imagePullFailure: 'reject'` (default)
 *   Create/DeployApplication refuse an unknown image up front with 400 `InvalidParameter.WithMessage`
 *   "{ImageUrl}"; with `'change-order'` the order is accepted and then FAILs with an `ErrImagePull` instance.
 * Time is evaluated lazily on each request (no timers), so the fake is deterministic given the clock.
 *
 * Other documentation it follows: the SAE 2019-05-06 API reference (https://www.alibabacloud.com/help/en/sae/
 * developer-reference/api-sae-2019-05-06-dir) for the ROA paths, parameters and error codes, and "Request
 * signatures" for V3 (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature).
 */

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSaeOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** When set, requests must carry this `x-acs-security-token`. */
  securityToken?: string;
  changeOrderMs?: number;
  visibilityDelayMs?: number;
  oldInstanceLingerMs?: number;
  imagePullFailure?: 'reject' | 'change-order';
  images?: string[];
  /**
   * What the smoke run's deploy check fears: SAE keeping the old instance through a deploy or restart even
   * when the request says `MinReadyInstances=0`, so two copies of one worker run at once.
   */
  ignoreMinReadyInstances?: boolean;
}

export interface FakeSaeInstance {
  InstanceId: string;
  GroupId: string;
  CreateTimeStamp: number;
  InstanceContainerStatus: string;
  ImageUrl: string;
  env: Record<string, string>;
  until?: number;
}

interface Order {
  id: string;
  appId: string;
  type: string;
  status: 'RUNNING' | 'SUCCESS' | 'FAIL';
  doneAt: number;
  apply: (at: number) => 'SUCCESS' | 'FAIL';
}

export interface FakeSaeApp {
  AppId: string;
  AppName: string;
  NamespaceId: string;
  visibleAt: number;
  config: Record<string, string>;
  tags: Record<string, string>;
  status: 'UNKNOWN' | 'RUNNING' | 'STOPPED';
  deleting: boolean;
  lastOrder?: Order;
  instances: FakeSaeInstance[];
  lingering: FakeSaeInstance[];
  /** The most instances ever in state Running at once: 2 means two copies of one worker ran together. */
  maxRunning: number;
}

export interface RecordedSaeRequest {
  action: string;
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  at: number;
  /** The HTTP status the fake answered with. */
  status?: number;
  code?: string;
}

class SaeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SIZES = new Set(
  ['500/1024', '1000/1024', '500/2048', '1000/2048', '2000/2048', '1000/4096', '2000/4096', '4000/4096']
    .concat(['2000/8192', '4000/8192', '8000/8192', '12000/12288', '4000/16384', '8000/16384', '16000/16384'])
    .concat(['12000/24576', '16000/32768', '8000/65536', '16000/65536', '32000/65536', '32000/131072']),
);
const MUTATIONS = new Set([
  'StartApplication',
  'StopApplication',
  'RestartApplication',
  'DeployApplication',
  'DeleteApplication',
]);
const BUSY = 'An application change process is in progress. Please try again later.';

export class FakeSaeServer {
  readonly requests: RecordedSaeRequest[] = [];
  private readonly apps = new Map<string, FakeSaeApp>();
  private readonly orders = new Map<string, Order>();
  private readonly images: Set<string>;
  private readonly opts: Required<Omit<FakeSaeOptions, 'securityToken' | 'images'>> & {
    securityToken?: string;
  };
  private throttles: { remaining: number; action?: string; code: string; status: number }[] = [];
  private stuck = false;
  private failNext = false;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    options: FakeSaeOptions,
  ) {
    this.opts = {
      accessKeyId: 'test-access-key-id',
      accessKeySecret: 'test-access-key-secret',
      changeOrderMs: 150,
      visibilityDelayMs: 60,
      oldInstanceLingerMs: 0,
      imagePullFailure: 'reject',
      ignoreMinReadyInstances: false,
      ...options,
    };
    this.images = new Set(options.images ?? []);
  }

  static async start(options: FakeSaeOptions = {}): Promise<FakeSaeServer> {
    let fake: FakeSaeServer | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeSaeServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `host:port` for the client's `endpoint` (with `protocol: 'http'`). */
  get endpoint(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get credentials() {
    return {
      accessKeyId: this.opts.accessKeyId,
      accessKeySecret: this.opts.accessKeySecret,
      securityToken: this.opts.securityToken,
    };
  }

  pushImage(image: string): void {
    this.images.add(image);
  }

  /** The next `count` requests (of `action`, if given) fail with a throttling error. */
  throttle(count: number, options: { action?: string; code?: string; status?: number } = {}): void {
    this.throttles.push({ remaining: count, code: 'Throttling.User', status: 400, ...options });
  }

  clearThrottles(): void {
    this.throttles = [];
  }

  /** While on, new change orders never finish; turning it off lets stuck orders finish after `changeOrderMs`. */
  stickChangeOrders(on: boolean): void {
    this.stuck = on;
    if (!on)
      for (const o of this.orders.values())
        if (o.doneAt === Number.POSITIVE_INFINITY) o.doneAt = Date.now() + this.opts.changeOrderMs;
  }

  failNextChangeOrder(): void {
    this.failNext = true;
  }

  app(name: string): FakeSaeApp | undefined {
    this.settle();
    return [...this.apps.values()].find((a) => a.AppName === name);
  }

  requestsFor(action: string): RecordedSaeRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const form = String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(raw.toString('utf8')))
      : {};
    const action = String(req.headers['x-acs-action'] ?? '');
    const record: RecordedSaeRequest = {
      action,
      method: req.method ?? '',
      path: url.pathname,
      query,
      form,
      at: Date.now(),
    };
    this.requests.push(record);
    const send = (status: number, body: Record<string, unknown>) => {
      record.status = status;
      record.code = String(body.Code);
      res.writeHead(status, {
        'content-type': 'application/json;charset=utf-8',
        'x-acs-request-id': requestId,
      });
      res.end(JSON.stringify({ RequestId: requestId, ...body }));
    };
    try {
      this.authenticate(req, url, raw);
      const throttle = this.throttles.find((t) => t.remaining > 0 && (!t.action || t.action === action));
      if (throttle) {
        throttle.remaining--;
        throw new SaeError(throttle.status, throttle.code, 'Request was denied due to user flow control.');
      }
      this.settle();
      const data = this.route(action, `${req.method} ${url.pathname}`, { ...query, ...form });
      send(200, { Code: '200', Success: true, Message: 'success', TraceId: requestId.slice(0, 16), ...data });
    } catch (error) {
      const e = error instanceof SaeError ? error : new SaeError(500, 'InternalError', String(error));
      send(e.status, { Code: e.code, Success: false, Message: e.message });
    }
  }

  /** ACS3-HMAC-SHA256 (V3), recomputed from what arrived: the signature @alicloud/openapi-client sends by default. */
  private authenticate(req: IncomingMessage, url: URL, body: Buffer): void {
    const auth = String(req.headers.authorization ?? '');
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(auth);
    if (!m)
      throw new SaeError(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards.',
      );
    if (m[1] !== this.opts.accessKeyId)
      throw new SaeError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (this.opts.securityToken && req.headers['x-acs-security-token'] !== this.opts.securityToken) {
      throw new SaeError(
        400,
        'InvalidSecurityToken.Mismatch',
        'Specified SecurityToken mismatch with the AccessKey.',
      );
    }
    const payload = createHash('sha256').update(body).digest('hex');
    const encode = (s: string) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = [...url.searchParams.keys()]
      .sort()
      .map((k) => `${k}=${encode(url.searchParams.get(k) ?? '')}`)
      .join('&');
    const signed = m[2]!.split(';');
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
    const canonical = [
      req.method,
      url.pathname,
      canonicalQuery,
      headers,
      m[2],
      req.headers['x-acs-content-sha256'],
    ].join('\n');
    const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
    const expected = createHmac('sha256', this.opts.accessKeySecret).update(toSign).digest('hex');
    if (payload !== req.headers['x-acs-content-sha256'] || expected !== m[3]) {
      throw new SaeError(
        400,
        'SignatureDoesNotMatch',
        'Specified signature is not matched with our calculation.',
      );
    }
  }

  // ---- API -----------------------------------------------------------------------------------------------

  private route(action: string, route: string, p: Record<string, string>): Record<string, unknown> {
    const expected: Record<string, string> = {
      CreateApplication: 'POST /pop/v1/sam/app/createApplication',
      DeployApplication: 'POST /pop/v1/sam/app/deployApplication',
      StartApplication: 'PUT /pop/v1/sam/app/startApplication',
      StopApplication: 'PUT /pop/v1/sam/app/stopApplication',
      RestartApplication: 'PUT /pop/v1/sam/app/restartApplication',
      DeleteApplication: 'DELETE /pop/v1/sam/app/deleteApplication',
      DescribeApplicationStatus: 'GET /pop/v1/sam/app/describeApplicationStatus',
      DescribeApplicationGroups: 'GET /pop/v1/sam/app/describeApplicationGroups',
      DescribeApplicationInstances: 'GET /pop/v1/sam/app/describeApplicationInstances',
      ListApplications: 'GET /pop/v1/sam/app/listApplications',
      DescribeChangeOrder: 'GET /pop/v1/sam/changeorder/DescribeChangeOrder',
      TagResources: 'POST /tags',
    };
    if (expected[action] !== route)
      throw new SaeError(404, 'InvalidAction.NotFound', `${action} is not ${route}`);
    if (action === 'CreateApplication') return { Data: this.createApp(p) };
    if (action === 'ListApplications') return this.listApps(p);
    if (action === 'TagResources') return this.tagResources(p);
    if (action === 'DescribeChangeOrder') return { Data: this.describeOrder(p) };
    const app = this.visibleApp(p.AppId);
    if (MUTATIONS.has(action)) {
      if (app.lastOrder?.status === 'RUNNING')
        throw new SaeError(400, 'Application.ChangerOrderRunning', BUSY);
      return { Data: this.mutate(action, app, p) };
    }
    if (action === 'DescribeApplicationStatus') return { Data: this.describeStatus(app) };
    const group = `${app.AppId}-default-group`;
    if (action === 'DescribeApplicationGroups') {
      const running = app.instances.filter((i) => i.InstanceContainerStatus === 'Running').length;
      return {
        Data: [
          {
            GroupId: group,
            GroupName: '_DEFAULT_GROUP',
            GroupType: 0,
            PackageType: 'Image',
            ImageUrl: app.config.ImageUrl,
            Replicas: 1,
            RunningInstances: running,
          },
        ],
      };
    }
    if (!p.GroupId)
      throw new SaeError(400, 'InvalidParameter.NotEmpty', 'You must specify the parameter GroupId.');
    const instances = (p.GroupId === group ? [...app.lingering, ...app.instances] : []).map(
      ({ env, until, ...i }) => i,
    );
    return {
      Data: {
        Instances: instances,
        CurrentPage: 1,
        PageSize: Number(p.PageSize ?? 10),
        TotalSize: instances.length,
      },
    };
  }

  private createApp(p: Record<string, string>) {
    if (!p.AppName)
      throw new SaeError(400, 'InvalidParameter.NotEmpty', 'You must specify the parameter AppName.');
    const namespace = p.NamespaceId ?? 'cn-hangzhou';
    if ([...this.apps.values()].some((a) => a.AppName === p.AppName && a.NamespaceId === namespace)) {
      throw new SaeError(
        400,
        'InvalidParameter.WithMessage',
        'The parameter is invalid {AppName}: the application name already exists',
      );
    }
    this.validateConfig(p);
    const now = Date.now();
    const app: FakeSaeApp = {
      AppId: randomUUID(),
      AppName: p.AppName,
      NamespaceId: namespace,
      visibleAt: now + this.opts.visibilityDelayMs,
      config: { ...p },
      tags: {},
      status: 'UNKNOWN',
      deleting: false,
      instances: [],
      lingering: [],
      maxRunning: 0,
    };
    this.apps.set(app.AppId, app);
    const order = this.order(app, 'CoCreateApp', (at) => this.boot(app, at));
    return { AppId: app.AppId, ChangeOrderId: order.id };
  }

  private validateConfig(p: Record<string, string>): void {
    if (p.PackageType !== 'Image')
      throw new SaeError(
        400,
        'InvalidPackageType.NotFound',
        'The package type must be War, FatJar, or Image.',
      );
    if (!p.ImageUrl)
      throw new SaeError(400, 'InvalidParameter.NotEmpty', 'You must specify the parameter ImageUrl.');
    if (!SIZES.has(`${p.Cpu}/${p.Memory}`)) {
      throw new SaeError(
        400,
        'InvalidInstanceSpecification.Unsupported',
        `The instance specification is not supported: CPU [${p.Cpu}], memory [${p.Memory}].`,
      );
    }
    for (const field of ['Envs', 'CustomHostAlias']) {
      try {
        if (p[field] !== undefined && !Array.isArray(JSON.parse(p[field]))) throw new Error('not an array');
      } catch {
        throw new SaeError(
          400,
          'InvalidParameter.Obviously',
          `The specified parameter is invalid {${field}}.`,
        );
      }
    }
    if (this.opts.imagePullFailure === 'reject' && !this.images.has(p.ImageUrl)) {
      throw new SaeError(
        400,
        'InvalidParameter.WithMessage',
        'The parameter is invalid {ImageUrl}: the image does not exist or cannot be pulled',
      );
    }
  }

  private mutate(action: string, app: FakeSaeApp, p: Record<string, string>) {
    if (action === 'RestartApplication') {
      if (app.status !== 'RUNNING')
        throw new SaeError(
          400,
          'Application.InvalidStatus',
          'The application status is abnormal. Please try again later.',
        );
      return { ChangeOrderId: this.replace(app, 'CoRestartApplication', p).id };
    }
    if (action === 'StartApplication')
      return { ChangeOrderId: this.order(app, 'CoStart', (at) => this.boot(app, at)).id };
    if (action === 'StopApplication') {
      return { ChangeOrderId: this.order(app, 'CoStop', (at) => this.halt(app, at, 'STOPPED')).id };
    }
    if (action === 'DeleteApplication') {
      app.deleting = true;
      const order = this.order(app, 'CoDeleteApp', (at) => {
        this.halt(app, at, app.status);
        this.apps.delete(app.AppId);
        return 'SUCCESS';
      });
      return { ChangeOrderId: order.id };
    }
    this.validateConfig({ ...app.config, ...p });
    const { MinReadyInstances: _, MinReadyInstanceRatio: __, AppId: ___, ...config } = p;
    if (app.status === 'STOPPED') {
      const order = this.order(app, 'CoDeploy', () => {
        app.config = { ...app.config, ...config };
        return 'SUCCESS';
      });
      return { AppId: app.AppId, ChangeOrderId: order.id, IsNeedApproval: false };
    }
    const order = this.replace(app, 'CoDeploy', p, config);
    return { AppId: app.AppId, ChangeOrderId: order.id, IsNeedApproval: false };
  }

  /**
   * A rolling replacement of a running app (deploy, restart). SAE keeps MinReadyInstances old instances ready
   * until the new ones are (default 1): the new instance starts at once beside the old, which is stopped only
   * when the order ends. With MinReadyInstances=0 the old one stops first and the new one boots at the end.
   */
  private replace(app: FakeSaeApp, type: string, p: Record<string, string>, config = {}): Order {
    const next = { ...app.config, ...config };
    if (p.MinReadyInstances === '0' && !this.opts.ignoreMinReadyInstances) {
      this.halt(app, Date.now(), 'RUNNING');
      return this.order(app, type, (at) => {
        app.config = next;
        return this.boot(app, at);
      });
    }
    const surge = this.instance(app, Date.now(), next);
    app.instances.push(surge);
    this.countRunning(app);
    return this.order(app, type, (at) => {
      app.config = next;
      app.instances = app.instances.filter((i) => i !== surge);
      this.halt(app, at, 'RUNNING');
      app.instances = [surge];
      return surge.InstanceContainerStatus === 'Running' ? 'SUCCESS' : 'FAIL';
    });
  }

  private instance(app: FakeSaeApp, at: number, config: Record<string, string>, forced?: string) {
    const pulled = this.images.has(config.ImageUrl ?? '');
    const env = Object.fromEntries(
      (JSON.parse(config.Envs ?? '[]') as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    return {
      InstanceId: `${app.AppName}-${(++this.seq).toString(36)}-${randomUUID().slice(0, 5)}`,
      GroupId: `${app.AppId}-default-group`,
      CreateTimeStamp: at,
      InstanceContainerStatus: forced ?? (pulled ? 'Running' : 'ErrImagePull'),
      ImageUrl: config.ImageUrl ?? '',
      env,
    };
  }

  private countRunning(app: FakeSaeApp): void {
    const running = [...app.instances, ...app.lingering].filter(
      (i) => i.InstanceContainerStatus === 'Running',
    );
    app.maxRunning = Math.max(app.maxRunning, running.length);
  }

  private order(app: FakeSaeApp, type: string, apply: Order['apply']): Order {
    const fail = this.failNext;
    this.failNext = false;
    const order: Order = {
      id: randomUUID(),
      appId: app.AppId,
      type,
      status: 'RUNNING',
      doneAt: this.stuck ? Number.POSITIVE_INFINITY : Date.now() + this.opts.changeOrderMs,
      apply: fail
        ? (at) =>
            type === 'CoStop' || type === 'CoDeleteApp' ? 'FAIL' : this.boot(app, at, 'CrashLoopBackOff')
        : apply,
    };
    this.orders.set(order.id, order);
    app.lastOrder = order;
    return order;
  }

  /** Replace the running instance with a new one (the old one lingers); FAIL when the image cannot be pulled. */
  private boot(app: FakeSaeApp, at: number, forced?: string): 'SUCCESS' | 'FAIL' {
    this.halt(app, at, 'RUNNING');
    const fresh = this.instance(app, at, app.config, forced);
    app.instances = [fresh];
    this.countRunning(app);
    return fresh.InstanceContainerStatus === 'Running' ? 'SUCCESS' : 'FAIL';
  }

  private halt(app: FakeSaeApp, at: number, status: FakeSaeApp['status']): 'SUCCESS' {
    const leaving = app.instances
      .filter((i) => i.InstanceContainerStatus === 'Running')
      .map((i) => ({
        ...i,
        InstanceContainerStatus: 'Terminating',
        until: at + this.opts.oldInstanceLingerMs,
      }));
    app.lingering.push(...leaving);
    app.instances = [];
    app.status = status;
    return 'SUCCESS';
  }

  /** Apply every change order whose time has come, and let lingering instances go. */
  private settle(now = Date.now()): void {
    for (const order of this.orders.values()) {
      if (order.status !== 'RUNNING' || order.doneAt > now) continue;
      const app = this.apps.get(order.appId);
      order.status = app ? order.apply(order.doneAt) : 'FAIL';
    }
    for (const app of this.apps.values()) app.lingering = app.lingering.filter((i) => (i.until ?? 0) > now);
  }

  private visibleApp(appId: string | undefined): FakeSaeApp {
    if (!appId) throw new SaeError(400, 'InvalidParameter.NotEmpty', 'You must specify the parameter AppId.');
    const app = this.apps.get(appId);
    if (!app || app.visibleAt > Date.now())
      throw new SaeError(404, 'InvalidAppId.NotFound', 'The specified AppId does not exist.');
    return app;
  }

  private describeStatus(app: FakeSaeApp) {
    const order = app.lastOrder;
    return {
      AppId: app.AppId,
      CurrentStatus: app.status,
      LastChangeOrderId: order?.id,
      LastChangeOrderRunning: order?.status === 'RUNNING',
      LastChangeOrderStatus: order?.status,
      RunningInstances: app.instances.filter((i) => i.InstanceContainerStatus === 'Running').length,
      SubStatus: 'NORMAL',
    };
  }

  private describeOrder(p: Record<string, string>) {
    const order = p.ChangeOrderId ? this.orders.get(p.ChangeOrderId) : undefined;
    if (!order)
      throw new SaeError(400, 'InvalidChangeOrder.NotFound', 'The current change order does not exist.');
    const code = { RUNNING: 1, SUCCESS: 2, FAIL: 3 }[order.status];
    return {
      ChangeOrderId: order.id,
      AppId: order.appId,
      CoType: order.type,
      CoTypeCode: order.type,
      Status: code,
    };
  }

  private listApps(p: Record<string, string>) {
    const now = Date.now();
    const wanted = p.Tags ? (JSON.parse(p.Tags) as { key: string; value: string }[]) : [];
    const all = [...this.apps.values()].filter(
      (a) =>
        a.visibleAt <= now &&
        (!p.NamespaceId || a.NamespaceId === p.NamespaceId) &&
        (p.FieldType !== 'appName' || a.AppName.includes(p.FieldValue ?? '')) &&
        (p.FieldType !== 'appIds' || (p.FieldValue ?? '').split(',').includes(a.AppId)) &&
        wanted.every((t) => a.tags[t.key] === t.value),
    );
    const page = Number(p.CurrentPage ?? 1);
    const size = Number(p.PageSize ?? 10);
    const Applications = all.slice((page - 1) * size, page * size).map((a) => ({
      AppId: a.AppId,
      AppName: a.AppName,
      NamespaceId: a.NamespaceId,
      ImageUrl: a.config.ImageUrl,
      Cpu: Number(a.config.Cpu),
      Mem: Number(a.config.Memory),
      Instances: a.status === 'RUNNING' ? 1 : 0,
      RunningInstances: a.instances.filter((i) => i.InstanceContainerStatus === 'Running').length,
      Tags: Object.entries(a.tags).map(([Key, Value]) => ({ Key, Value })),
      AppDeletingStatus: a.deleting,
    }));
    const paging = { CurrentPage: page, PageSize: size, TotalSize: all.length };
    return { ...paging, Data: { Applications, ...paging } };
  }

  private tagResources(p: Record<string, string>) {
    if (p.ResourceType !== 'application')
      throw new SaeError(
        400,
        'InvalidParameter.Obviously',
        'The specified parameter is invalid {ResourceType}.',
      );
    const ids = JSON.parse(p.ResourceIds ?? '[]') as string[];
    const tags = JSON.parse(p.Tags ?? '[]') as { key: string; value: string }[];
    for (const id of ids) {
      const app = this.apps.get(id);
      if (!app || app.visibleAt > Date.now())
        throw new SaeError(404, 'InvalidResourceId.NotFound', `The resource ${id} does not exist.`);
      if (
        Object.keys({ ...app.tags, ...Object.fromEntries(tags.map((t) => [t.key, t.value])) }).length > 20
      ) {
        throw new SaeError(400, 'InvalidParameter.TagsLimitExceeded', 'A resource can have at most 20 tags.');
      }
      for (const t of tags) app.tags[t.key] = t.value;
    }
    return { Data: true };
  }
}
