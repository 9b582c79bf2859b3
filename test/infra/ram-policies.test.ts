/**
 * The RAM policies of the Alibaba Cloud deployment (`infra/aliyun/ram-policies/`), rendered as the deploy script
 * renders them, and checked against what the functions really do: the credentials function's OSS requests
 * (against a protocol-level OSS fake) and the SAE backend's calls (against a protocol-level SAE fake, through the
 * real client). No real RAM, OSS or SAE is reachable from here.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICY_NAMES, renderPolicy } from '../../infra/aliyun/policies';
import { resourceNameFor, type WorkerSpec } from '../../src/backends/port';
import { SaeBackend } from '../../src/backends/sae/adapter';
import { aliyunCredentials, aliyunLifecycle } from '../../src/platforms/aliyun';
import { versionName } from '../../src/store/oss/versions';
import { eventually } from '../support/backend-specs';
import { startFakeAliyunSts } from '../support/fakes/aliyun-sts';
import { FakeOssServer } from '../support/fakes/oss';
import { FakeSaeServer } from '../support/fakes/sae';

const ACCOUNT = '1234567890123456';
const MANAGER_KEY = 'ram-test-manager-key-0123456789';
const vars = {
  ACCOUNT_ID: ACCOUNT,
  REGION: 'cn-hangzhou',
  STATE_BUCKET: 'state',
  STATE_PREFIX: 'orchestrator/',
  DATA_BUCKET: 'state',
  DATA_ROOT: '',
  FUNCTION_PREFIX: 'worker-orchestrator',
  LIFECYCLE_ROLE_NAME: 'lifecycle-role',
  CREDENTIALS_ROLE_NAME: 'credentials-role',
  SWEEPER_ROLE_NAME: 'sweeper-role',
  WORKER_DATA_ROLE_NAME: 'worker-data',
  LOG_PROJECT: 'logs',
  LOG_STORE: 'functions',
};
type Statement = {
  Effect: string;
  Action: string[];
  Resource: string[];
  Principal?: unknown;
  Condition?: { StringLike?: Record<string, string[]> };
};
type Doc = { Version: string; Statement: Statement[] };
const render = async (name: (typeof POLICY_NAMES)[number]) => (await renderPolicy(name, vars)) as Doc;

/** RAM wildcard matching (`*` any run of characters) of a pattern against a concrete value. */
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

/** Whether the document allows, and does not deny, `action` on `resource`. */
const allows = (doc: Doc, action: string, resource: string) => {
  const hits = (s: Statement) =>
    [s.Action].flat().some((a) => glob(a, action)) && [s.Resource].flat().some((r) => glob(r, resource));
  return (
    doc.Statement.some((s) => s.Effect === 'Allow' && hits(s)) &&
    !doc.Statement.some((s) => s.Effect === 'Deny' && hits(s))
  );
};
const object = (key: string) => `acs:oss:*:${ACCOUNT}:state/${key}`;

describe('RAM policies', () => {
  it('renders every document to valid RAM policy JSON: no placeholder left, no explanatory field RAM would refuse', async () => {
    for (const name of POLICY_NAMES) {
      const doc = await render(name);
      expect(JSON.stringify(doc)).not.toContain('${');
      expect(doc.Version).toBe('1');
      expect(Object.keys(doc).sort()).toEqual(['Statement', 'Version']);
      for (const s of doc.Statement) expect(Object.keys(s).some((k) => k.startsWith('_'))).toBe(false);
    }
  });

  it('denies the credentials function secrets/, and lets it alone assume the worker-data role', async () => {
    const credentials = await render('credentials');
    const deny = credentials.Statement.find((s) => s.Effect === 'Deny')!;
    expect(deny.Resource).toContain(object('orchestrator/secrets/*'));
    const allowsAssume = (doc: Doc) =>
      doc.Statement.some((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(allowsAssume(credentials)).toBe(true);
    expect(allowsAssume(await render('lifecycle'))).toBe(false);
    expect(allowsAssume(await render('sweeper'))).toBe(false);
    expect((await render('worker-data-trust')).Statement[0]!.Principal).toEqual({
      RAM: ['acs:ram::1234567890123456:role/credentials-role'],
    });
    const data = (await render('worker-data')).Statement.flatMap((s) => s.Resource ?? []);
    expect(data.filter((r) => r.includes('/'))).toEqual([object('agents/*'), object('shared/*')]);
  });

  it("lets the credentials function write only events, issuance outbox entries (never read or write a worker's own outbox) and the health probe: meta/deployment.json and the webhook endpoints stay read only", async () => {
    const doc = await render('credentials');
    const deployment = 'orchestrator/meta/deployment.json';
    expect(allows(doc, 'oss:GetObject', object(`${deployment}!v/0000000000000001`))).toBe(true);
    expect(allows(doc, 'oss:GetObject', object('orchestrator/!head/meta/deployment.json'))).toBe(true);
    for (const action of ['oss:PutObject', 'oss:DeleteObject']) {
      expect(allows(doc, action, object(`${deployment}!v/0000000000000002`))).toBe(false);
      expect(allows(doc, action, object('orchestrator/!head/meta/deployment.json'))).toBe(false);
      expect(allows(doc, action, object('orchestrator/workers/alice.json!v/0000000000000002'))).toBe(false);
    }
    expect(allows(doc, 'oss:PutObject', object('orchestrator/meta/clock-probe!v/0000000000000007'))).toBe(
      true,
    );
    expect(allows(doc, 'oss:PutObject', object('orchestrator/!head/meta/clock-probe'))).toBe(true);
    expect(allows(doc, 'oss:DeleteObject', object('orchestrator/meta/clock-probe!v/0000000000000001'))).toBe(
      true,
    );
    expect(
      allows(doc, 'oss:PutObject', object('orchestrator/events/alice/000-uid-n1.json!v/0000000000000001')),
    ).toBe(true);
    expect(
      allows(doc, 'oss:DeleteObject', object('orchestrator/events/alice/000-uid-n1.json!v/0000000000000001')),
    ).toBe(false);
    // credentials.issued: the endpoint list read, an outbox entry filed (never deleted), the signing secrets never.
    const endpoints = 'orchestrator/webhooks/endpoints.json';
    expect(allows(doc, 'oss:GetObject', object(`${endpoints}!v/0000000000000003`))).toBe(true);
    expect(allows(doc, 'oss:GetObject', object('orchestrator/!head/webhooks/endpoints.json'))).toBe(true);
    expect(allows(doc, 'oss:PutObject', object(`${endpoints}!v/0000000000000004`))).toBe(false);
    expect(allows(doc, 'oss:PutObject', object('orchestrator/!head/webhooks/endpoints.json'))).toBe(false);
    expect(
      allows(doc, 'oss:GetObject', object('orchestrator/webhooks/dead/ep_1/evt_1.json!v/0000000000000001')),
    ).toBe(false);
    const entry = 'orchestrator/outbox/_issued/alice/1767225600000-0-evt_1.json';
    expect(allows(doc, 'oss:PutObject', object(`${entry}!v/0000000000000001`))).toBe(true);
    expect(
      allows(
        doc,
        'oss:PutObject',
        object('orchestrator/!head/outbox/_issued/alice/1767225600000-0-evt_1.json'),
      ),
    ).toBe(true);
    // The create-only write reads that key's versions and head first: that much, under the issuance prefix only.
    expect(allows(doc, 'oss:GetObject', object(`${entry}!v/0000000000000001`))).toBe(true);
    // A worker's own outbox is neither written (a forged worker.deleted, an overwritten entry) nor read.
    const workers = 'orchestrator/outbox/alice/1767225600000-0-evt_1.json';
    for (const action of ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject']) {
      expect(allows(doc, action, object(`${workers}!v/0000000000000001`))).toBe(false);
      expect(allows(doc, action, object('orchestrator/!head/outbox/alice/1767225600000-0-evt_1.json'))).toBe(
        false,
      );
    }
    expect(allows(doc, 'oss:DeleteObject', object(`${entry}!v/0000000000000001`))).toBe(false);
    for (const action of ['oss:GetObject', 'oss:PutObject']) {
      expect(allows(doc, action, object('orchestrator/secrets/_webhooks.json!v/0000000000000001'))).toBe(
        false,
      );
      expect(allows(doc, action, object('orchestrator/!head/secrets/_webhooks.json'))).toBe(false);
    }
  });

  it('grants the Logstore writes only on the configured project and Logstore', async () => {
    const doc = await render('function-logs');
    const store = (project: string, logstore: string) =>
      `acs:log:cn-hangzhou:${ACCOUNT}:project/${project}/logstore/${logstore}`;
    expect(allows(doc, 'log:PostLogStoreLogs', store('logs', 'functions'))).toBe(true);
    expect(allows(doc, 'log:PostLogStoreLogs', store('logs', 'other'))).toBe(false);
    expect(allows(doc, 'log:DeleteLogStore', store('logs', 'functions'))).toBe(false);
  });

  it("lets the deployer set ensure-ready's reserved concurrency on this deployment's functions only, and pass it the lifecycle role", async () => {
    const doc = await render('deployer');
    const fn = (name: string) => `acs:fc:cn-hangzhou:${ACCOUNT}:functions/${name}`;
    expect(allows(doc, 'fc:PutConcurrencyConfig', fn('worker-orchestrator-ensure-ready'))).toBe(true);
    expect(allows(doc, 'fc:PutConcurrencyConfig', fn('someone-elses-function'))).toBe(false);
    expect(allows(doc, 'fc:DeleteConcurrencyConfig', fn('worker-orchestrator-ensure-ready'))).toBe(false);
    expect(allows(doc, 'ram:PassRole', `acs:ram::${ACCOUNT}:role/lifecycle-role`)).toBe(true);
  });
});

describe('the credentials policy against what the credentials function really does (protocol-level OSS fake)', () => {
  it('allows every OSS request it makes (worker, unknown worker, health with probe pruning), none under secrets/', async () => {
    const oss = new FakeOssServer({ credentials: { 'STS.fn': 'fn-secret' } });
    const sts = await startFakeAliyunSts({
      keys: { 'STS.fn': { secret: 'fn-secret', securityToken: 'fn-token' } },
    });
    try {
      const env = {
        FC_REGION: 'cn-hangzhou',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.fn',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'fn-secret',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'fn-token',
        OSS_BUCKET: 'state',
        OSS_ENDPOINT: await oss.start(),
        BACKENDS: 'fake',
        MANAGER_API_KEYS: MANAGER_KEY,
        STS_PROVIDER: 'aliyun',
        STS_ROLE_ARN: `acs:ram::${ACCOUNT}:role/worker-data`,
        STS_ENDPOINT: sts.url,
      };
      const lifecycle = aliyunLifecycle(env).fetch!;
      const credentials = aliyunCredentials(env).fetch!;
      const post = (fetch: typeof lifecycle, path: string, key: string, body?: unknown) =>
        fetch(
          new Request(`https://api.example.com${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body ?? {}),
          }),
        );
      // Cloud deployments have no default image: the create names one.
      const create = await post(lifecycle, '/workers', MANAGER_KEY, {
        name: 'alice',
        backend: 'fake',
        image: 'registry.example.com/agents/worker:1',
      });
      expect(create.status).toBe(201);
      const created = await create.json();
      expect((await post(lifecycle, '/workers/alice/ready', created.api_key)).status).toBe(204);
      // An endpoint that takes credentials.issued, so the issuance below files its outbox entry too.
      const endpoint = await post(lifecycle, '/webhooks', MANAGER_KEY, {
        url: 'https://hooks.example.com/in',
        types: ['credentials.issued'],
      });
      expect(endpoint.status).toBe(201);
      // Old versions of the health probe, so the probe's listing prunes them (its one delete).
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      for (let seq = 1; seq <= 5; seq++) {
        oss.setObject(versionName('orchestrator/', 'meta/clock-probe', seq), '={"at":0}', twoHoursAgo);
      }

      const policy = await render('credentials');
      const mark = oss.requests.length;
      const before = new Set(oss.objects.keys());
      expect((await post(credentials, '/credentials/sts', created.api_key)).status).toBe(200);
      expect((await post(credentials, '/credentials/sts', `wok_nobody_${'0'.repeat(64)}`)).status).toBe(401);
      // A manager's health check: only it may write (and so prune) the clock probe; an anonymous one only reads.
      const health = new Request('https://api.example.com/healthz', {
        headers: { authorization: `Bearer ${MANAGER_KEY}` },
      });
      expect((await credentials(health)).status).toBe(200);
      expect((await credentials(new Request('https://api.example.com/healthz'))).status).toBe(200);

      const made = oss.requests.slice(mark);
      expect(made.length).toBeGreaterThan(0);
      expect(
        made.some((r) => r.method === 'PUT' && r.name.includes('/outbox/_issued/alice/')),
        'entry filed',
      ).toBe(true);
      const listPatterns = policy.Statement.filter(
        (s) => s.Effect === 'Allow' && s.Action.includes('oss:ListObjects'),
      ).flatMap((s) => s.Condition?.StringLike?.['oss:Prefix'] ?? []);
      for (const { method, name, query } of made) {
        const params = new URLSearchParams(query);
        if (params.has('delete')) continue; // a multi-delete: its objects are checked below
        if (name === '' && params.has('versioning')) {
          // The store's cold-start check that the bucket was never versioned.
          expect(allows(policy, 'oss:GetBucketVersioning', `acs:oss:*:${ACCOUNT}:state`)).toBe(true);
          continue;
        }
        if (name === '') {
          const prefix = params.get('prefix') ?? '';
          expect(
            listPatterns.some((p) => glob(p, prefix)),
            `list ${prefix}`,
          ).toBe(true);
          continue;
        }
        expect(name).not.toMatch(/(^|\/)secrets\//);
        const action = {
          GET: 'oss:GetObject',
          HEAD: 'oss:GetObject',
          PUT: 'oss:PutObject',
          DELETE: 'oss:DeleteObject',
        }[method]!;
        expect(allows(policy, action, object(name)), `${method} ${name}`).toBe(true);
      }
      const deleted = [...before].filter((name) => !oss.objects.has(name));
      expect(deleted.length).toBeGreaterThan(0);
      for (const name of deleted) expect(allows(policy, 'oss:DeleteObject', object(name)), name).toBe(true);
    } finally {
      await oss.close();
      await sts.close();
    }
  });
});

describe('the lifecycle and sweeper policies against the SAE backend (protocol-level SAE fake)', () => {
  const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/agents/worker:1';
  const MISSING = 'registry.cn-hangzhou.aliyuncs.com/agents/missing:1';
  let fake: FakeSaeServer | undefined;
  afterAll(async () => {
    await fake?.close();
  });

  it('grants every SAE action the backend calls through its whole lifecycle, and none it never calls; reads apart from writes', async () => {
    fake = await FakeSaeServer.start({
      images: [IMAGE],
      changeOrderMs: 60,
      visibilityDelayMs: 40,
      imagePullFailure: 'change-order',
    });
    const deploymentId = 'dram01';
    const backend = new SaeBackend({
      regionId: 'cn-hangzhou',
      endpoint: fake.endpoint,
      protocol: 'http',
      ...fake.credentials,
      deploymentId,
      namespaceId: 'cn-hangzhou:agents',
      changeOrderWaitMs: 3_000,
      changeOrderRetryMs: 20,
    });
    const spec = (name: string, image: string): WorkerSpec => {
      const uid = crypto.randomUUID();
      return {
        name,
        uid,
        deploymentId,
        resourceName: resourceNameFor(deploymentId, name, uid),
        image,
        env: { HICLAW_WORKER_NAME: name },
        labels: {},
      };
    };
    // Create, watch, update, stop, start, delete, list, health; and the restart that follows a failed order.
    const alice = spec('alice', IMAGE);
    const { ref } = await backend.create(alice);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'running',
    );
    await backend.update(ref, { ...alice, env: { ...alice.env, GREETING: 'two' } });
    await backend.stop(ref);
    await eventually(
      () => backend.status(ref),
      (s) => s.state === 'stopped',
    );
    await backend.start(ref);
    await backend.list();
    await backend.health();
    await backend.delete(ref);
    const { ref: broken } = await backend.create(spec('bob', MISSING));
    await eventually(
      () => backend.status(broken),
      (s) => s.state === 'unknown',
    );
    fake.pushImage(MISSING);
    await backend.start(broken);

    const called = new Set(fake.requests.map((r) => `sae:${r.action}`));
    expect(called).toContain('sae:RestartApplication');
    for (const name of ['lifecycle', 'sweeper'] as const) {
      const doc = await render(name);
      const sae = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith('sae:')));
      for (const action of called) {
        expect(
          allows(doc, action, `acs:sae:cn-hangzhou:${ACCOUNT}:application/cn-hangzhou:agents/x`),
          `${name} ${action}`,
        ).toBe(true);
      }
      expect(new Set(sae.flatMap((s) => s.Action))).toEqual(called);
      // Reads in one statement, writes in another, so the writes can be told apart (and removed) on their own.
      const reads = sae.filter((s) => s.Action.every((a) => /^sae:(Describe|List)/.test(a)));
      expect(reads).toHaveLength(1);
      expect(
        sae
          .filter((s) => s !== reads[0])
          .flatMap((s) => s.Action)
          .some((a) => /^sae:(Describe|List)/.test(a)),
      ).toBe(false);
    }
  });

  it('says in the template why the SAE grant is region-wide and what that requires', async () => {
    for (const name of ['lifecycle', 'sweeper']) {
      const template = JSON.parse(
        await readFile(new URL(`../../infra/aliyun/ram-policies/${name}.json`, import.meta.url), 'utf8'),
      );
      expect(template._comment).toMatch(/All Resources/);
      expect(template._comment).toMatch(/dedicated account/);
    }
  });
});
