/**
 * `npm run deploy:aliyun` (`infra/aliyun/deploy.ts`) against a protocol-level fake of the FC 3.0 API: a local
 * HTTP server that checks the real `@alicloud/fc20230330` client's V3 signatures and answers with FC's bodies.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../infra/aliyun/deploy';
import { createFcApi } from '../../infra/aliyun/fc-api';
import { readDeploySettings } from '../../infra/aliyun/settings';
import { REPO_ROOT } from '../../infra/build/targets';
import { FakeFcServer, zipEntryNames } from '../support/fakes/fc';

const ACCOUNT = '1234567890123456';
const SECRET = 'deployer-secret-never-printed';
const MANAGER_KEY = 'deploy-test-manager-key-0123456789';

let fc: FakeFcServer;
let outDir: string;
let env: Record<string, string>;
let output: string[];
const run = (argv: string[] = [], overrides: Record<string, string | undefined> = {}) =>
  main(argv, { ...env, ...overrides }, { out: (line) => output.push(line), outDir });
const actions = () => fc.calls.map((c) => c.action);

beforeEach(async () => {
  fc = new FakeFcServer({ keys: { LTAIdeployer: SECRET }, accountId: ACCOUNT, region: 'cn-hangzhou' });
  const endpoint = await fc.start();
  outDir = await mkdtemp(join(tmpdir(), 'deploy-aliyun-'));
  output = [];
  env = {
    FC_REGION: 'cn-hangzhou',
    FC_ACCOUNT_ID: ACCOUNT,
    FC_ENDPOINT: endpoint,
    FC_PROTOCOL: 'http',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIdeployer',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
    FC_LIFECYCLE_ROLE_ARN: `acs:ram::${ACCOUNT}:role/orchestrator-lifecycle`,
    FC_CREDENTIALS_ROLE_ARN: `acs:ram::${ACCOUNT}:role/orchestrator-credentials`,
    FC_SWEEPER_ROLE_ARN: `acs:ram::${ACCOUNT}:role/orchestrator-sweeper`,
    OSS_BUCKET: 'orchestrator-state',
    MANAGER_API_KEYS: MANAGER_KEY,
    STS_ROLE_ARN: `acs:ram::${ACCOUNT}:role/worker-data`,
    SAE_NAMESPACE_ID: 'cn-hangzhou:agents',
    ORPHAN_ACTION: 'report',
  };
});

afterEach(async () => {
  await fc.close();
  await rm(outDir, { recursive: true, force: true });
});

describe('deploy:aliyun against a protocol-level fake of the FC 3.0 API', () => {
  it('creates the four functions, HTTP triggers and timer on the first run, and prints the endpoint', async () => {
    expect(await run(), output.join('\n')).toBe(0);
    expect(actions().filter((a) => a === 'CreateFunction')).toHaveLength(4);
    expect(actions().filter((a) => a === 'CreateTrigger')).toHaveLength(4);

    const lifecycle = fc.functions.get('worker-orchestrator-lifecycle')!;
    const credentials = fc.functions.get('worker-orchestrator-credentials')!;
    const sweeper = fc.functions.get('worker-orchestrator-sweeper')!;
    expect(lifecycle).toMatchObject({
      runtime: 'nodejs20',
      handler: 'index.handler',
      role: env.FC_LIFECYCLE_ROLE_ARN,
    });
    expect(credentials.role).toBe(env.FC_CREDENTIALS_ROLE_ARN);
    const url = (
      fc.triggers.get('worker-orchestrator-lifecycle/http')!.httpTrigger as { urlInternet: string }
    ).urlInternet;
    expect(output).toContain(`Endpoint: ${url}`);

    // Each function gets what it uses: workers learn the lifecycle URL; only credentials can mint credentials.
    const envOf = (fn: Record<string, unknown>) => fn.environmentVariables as Record<string, string>;
    expect(envOf(lifecycle)).toMatchObject({
      STATE_STORE: 'oss',
      BACKENDS: 'sae',
      MANAGER_API_KEYS: MANAGER_KEY,
    });
    expect(envOf(lifecycle).ORCHESTRATOR_URL).toBe(url);
    expect(envOf(sweeper).ORCHESTRATOR_URL).toBe(url);
    expect(envOf(sweeper).MANAGER_API_KEYS).toBeUndefined();
    expect(envOf(credentials)).toMatchObject({ STS_PROVIDER: 'aliyun', STS_ROLE_ARN: env.STS_ROLE_ARN });
    expect(envOf(credentials).MANAGER_API_KEYS).toBeUndefined();
    expect(envOf(credentials).SAE_NAMESPACE_ID).toBeUndefined();
    expect(envOf(lifecycle).STS_ROLE_ARN).toBeUndefined();
    expect(envOf(sweeper).ORPHAN_ACTION).toBe('report');
    expect(envOf(lifecycle).ORPHAN_ACTION).toBeUndefined();

    const timer = fc.triggers.get('worker-orchestrator-sweeper/every-minute')!;
    expect(timer.triggerType).toBe('timer');
    expect(JSON.parse(String(timer.triggerConfig))).toMatchObject({
      cronExpression: '@every 1m',
      enable: true,
    });

    // The uploaded code is the built bundle.
    const upload = fc.calls.find(
      (c) => c.action === 'CreateFunction' && c.body?.functionName === lifecycle.functionName,
    )!;
    const zip = Buffer.from((upload.body!.code as { zipFile: string }).zipFile, 'base64');
    expect(
      zipEntryNames(zip)
        .get('index.js')
        ?.equals(await readFile(join(outDir, 'aliyun/lifecycle/index.js'))),
    ).toBe(true);
  });

  it('updates everything in place on a second run and creates nothing', async () => {
    expect(await run()).toBe(0);
    const before = fc.calls.length;
    expect(await run(), output.join('\n')).toBe(0);
    const second = fc.calls.slice(before).map((c) => c.action);
    expect(second.filter((a) => a.startsWith('Create'))).toEqual([]);
    expect(second.filter((a) => a === 'UpdateFunction')).toHaveLength(4);
    expect(second.filter((a) => a === 'UpdateTrigger')).toHaveLength(4);
    expect(second.filter((a) => a === 'PutConcurrencyConfig')).toHaveLength(1);
    expect(fc.functions.size).toBe(4);
    expect(fc.triggers.size).toBe(4);
    expect([...fc.concurrency.keys()]).toEqual(['worker-orchestrator-ensure-ready']);
  });

  it('runs ensure-ready in its own function: the lifecycle code, role and environment, one request per instance, reserved concurrency 5', async () => {
    expect(await run(), output.join('\n')).toBe(0);
    const lifecycle = fc.functions.get('worker-orchestrator-lifecycle')!;
    const ensureReady = fc.functions.get('worker-orchestrator-ensure-ready')!;
    expect(ensureReady).toMatchObject({
      runtime: 'nodejs20',
      handler: 'index.handler',
      role: env.FC_LIFECYCLE_ROLE_ARN,
      timeout: lifecycle.timeout,
    });
    // The same settings, except that lifecycle answers the HiClaw ensure-ready URL without waiting.
    const { ENSURE_READY_MAX_SECONDS, ...lifecycleEnv } = lifecycle.environmentVariables as Record<
      string,
      string
    >;
    expect(ENSURE_READY_MAX_SECONDS).toBe('0');
    expect(ensureReady.environmentVariables).toEqual(lifecycleEnv);
    const upload = fc.calls.find(
      (c) => c.action === 'CreateFunction' && c.body?.functionName === 'worker-orchestrator-ensure-ready',
    )!;
    const zip = Buffer.from((upload.body!.code as { zipFile: string }).zipFile, 'base64');
    expect(
      zipEntryNames(zip)
        .get('index.js')
        ?.equals(await readFile(join(outDir, 'aliyun/lifecycle/index.js'))),
    ).toBe(true);

    expect(fc.concurrency.get('worker-orchestrator-ensure-ready')).toMatchObject({ reservedConcurrency: 5 });
    // The cap is in place before any trigger can send ensure-ready a request.
    const put = actions().indexOf('PutConcurrencyConfig');
    expect(put).toBeGreaterThan(
      fc.calls.findIndex(
        (c) => c.action === 'CreateFunction' && c.body?.functionName === 'worker-orchestrator-ensure-ready',
      ),
    );
    expect(put).toBeLessThan(actions().indexOf('CreateTrigger'));
    const trigger = fc.triggers.get('worker-orchestrator-ensure-ready/http')!;
    expect(trigger.triggerType).toBe('http');
    expect(JSON.parse(String(trigger.triggerConfig))).toMatchObject({
      authType: 'anonymous',
      methods: ['POST'],
    });
  });

  it('sets FC_ENSURE_READY_CONCURRENCY as the reserved concurrency, bounded by 90% of the region quota, before sending anything', async () => {
    expect(await run([], { FC_ENSURE_READY_CONCURRENCY: '12' }), output.join('\n')).toBe(0);
    expect(fc.concurrency.get('worker-orchestrator-ensure-ready')).toMatchObject({ reservedConcurrency: 12 });
    const before = fc.calls.length;
    for (const [value, quota] of [
      ['0', undefined],
      ['91', undefined],
      ['9999', undefined],
      ['50', '50'],
    ] as const) {
      output.length = 0;
      expect(await run([], { FC_ENSURE_READY_CONCURRENCY: value, FC_REGION_CONCURRENCY_QUOTA: quota })).toBe(
        1,
      );
      const ceiling = quota ? Math.floor(Number(quota) * 0.9) : 90;
      expect(output.join('\n')).toContain(
        `FC_ENSURE_READY_CONCURRENCY as a whole number from 1 to ${ceiling} (90% of FC_REGION_CONCURRENCY_QUOTA`,
      );
    }
    expect(fc.calls.length).toBe(before);
    // Exactly 90% of the (default) quota is planned, and FC (the fake, quota 100) accepts it.
    expect(await run([], { FC_ENSURE_READY_CONCURRENCY: '90' }), output.join('\n')).toBe(0);
    expect(fc.concurrency.get('worker-orchestrator-ensure-ready')).toMatchObject({ reservedConcurrency: 90 });
  }, 120_000); // six runs, each building the bundles

  it('the fake refuses what FC refuses and the deploy never sends: instance concurrency on nodejs20, a mid-path *, > 90% reserved', async () => {
    expect(await run(), output.join('\n')).toBe(0);
    const sent = fc.calls.filter((c) => c.action === 'CreateFunction' || c.action === 'UpdateFunction');
    expect(sent.every((c) => c.body?.instanceConcurrency === undefined)).toBe(true);

    const api = createFcApi(readDeploySettings(env, { dryRun: false }));
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    expect(
      await refusal(api.updateFunction('worker-orchestrator-lifecycle', { instanceConcurrency: 20 })),
    ).toContain('instanceConcurrency is not supported by the built-in runtime nodejs20');
    expect(
      await refusal(
        api.updateCustomDomain('agents.example.com', {
          routeConfig: {
            routes: [{ path: '/workers/*/ensure-ready', functionName: 'worker-orchestrator-ensure-ready' }],
          },
        }),
      ),
    ).toMatch(
      /400 InvalidArgument: route path '\/workers\/\*\/ensure-ready': '\*' is only allowed as the last/,
    );
    expect(await refusal(api.putConcurrencyConfig('worker-orchestrator-ensure-ready', 91))).toMatch(
      /400 InvalidArgument: reservedConcurrency 91 .* exceeds 90% of the region quota \(90\)/,
    );
  });

  it('stops with a clear message on a permission failure (403 AccessDenied), printing no secret', async () => {
    fc.denyAll();
    expect(await run()).toBe(1);
    const text = output.join('\n');
    expect(text).toMatch(/FC GetTrigger failed: 403 AccessDenied: the caller is not authorized/);
    expect(text).toContain('ram-policies/deployer.json');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(MANAGER_KEY);
    expect(fc.functions.size).toBe(0);
  });

  it('is refused by the fake when signed with the wrong secret (the fake checks V3 signatures)', async () => {
    expect(await run([], { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' })).toBe(1);
    expect(output.join('\n')).toMatch(/403 SignatureNotMatch/);
    expect(fc.functions.size).toBe(0);
  });

  it('routes only exact paths and trailing-* prefixes: both credentials paths, /ensure-ready/*, /* (the domain URL the endpoint)', async () => {
    expect(await run([], { FC_CUSTOM_DOMAIN: 'agents.example.com' })).toBe(0);
    const domain = fc.domains.get('agents.example.com')!;
    expect(domain.routeConfig).toEqual({
      routes: [
        {
          path: '/credentials/sts',
          functionName: 'worker-orchestrator-credentials',
          methods: ['POST'],
          qualifier: 'LATEST',
        },
        {
          path: '/api/v1/credentials/sts',
          functionName: 'worker-orchestrator-credentials',
          methods: ['POST'],
          qualifier: 'LATEST',
        },
        {
          path: '/ensure-ready/*',
          functionName: 'worker-orchestrator-ensure-ready',
          methods: ['POST'],
          qualifier: 'LATEST',
        },
        {
          path: '/*',
          functionName: 'worker-orchestrator-lifecycle',
          methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
          qualifier: 'LATEST',
        },
      ],
    });
    expect(output).toContain('Endpoint: http://agents.example.com');
    const lifecycleEnv = fc.functions.get('worker-orchestrator-lifecycle')!.environmentVariables as Record<
      string,
      string
    >;
    expect(lifecycleEnv.ORCHESTRATOR_URL).toBe('http://agents.example.com');
    expect(actions().filter((a) => a === 'UpdateFunction')).toEqual([]);

    // A second run replaces the routes with the same ones, in the same order.
    expect(await run([], { FC_CUSTOM_DOMAIN: 'agents.example.com' }), output.join('\n')).toBe(0);
    expect(actions().filter((a) => a === 'UpdateCustomDomain')).toHaveLength(1);
    expect(
      (fc.domains.get('agents.example.com')!.routeConfig as { routes: { path: string }[] }).routes.map(
        (r) => r.path,
      ),
    ).toEqual(['/credentials/sts', '/api/v1/credentials/sts', '/ensure-ready/*', '/*']);
    // Resolved as FC documents it: the waiting path reaches ensure-ready, the HiClaw URLs reach lifecycle.
    const to = (path: string) => fc.routeFor('agents.example.com', path);
    expect(to('/ensure-ready/workers/alice')).toBe('worker-orchestrator-ensure-ready');
    expect(to('/workers/alice/ensure-ready')).toBe('worker-orchestrator-lifecycle');
    expect(to('/api/v1/workers/alice/ensure-ready')).toBe('worker-orchestrator-lifecycle');
    expect(to('/workers/alice/ready')).toBe('worker-orchestrator-lifecycle');
    expect(to('/credentials/sts')).toBe('worker-orchestrator-credentials');
    // HiClaw's workers ask under /api/v1: the credentials function, not lifecycle (which has no issuer).
    expect(to('/api/v1/credentials/sts')).toBe('worker-orchestrator-credentials');
    // Exact means exact: nothing else under /api/v1 leaves lifecycle.
    expect(to('/api/v1/credentials/sts/x')).toBe('worker-orchestrator-lifecycle');
    expect(to('/api/v1/credentials')).toBe('worker-orchestrator-lifecycle');
    expect(to('/api/v1/workers/alice/ready')).toBe('worker-orchestrator-lifecycle');
  });

  it('needs no FC permission beyond the rendered deployer policy: every call a deploy and a remove make is allowed there', async () => {
    expect(await run([], { FC_CUSTOM_DOMAIN: 'agents.example.com' }), output.join('\n')).toBe(0);
    expect(await run(['remove'], { FC_CUSTOM_DOMAIN: 'agents.example.com' }), output.join('\n')).toBe(0);
    const deployer = JSON.parse(
      await readFile(join(outDir, 'aliyun/ram-policies/deployer.json'), 'utf8'),
    ) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[];
    };
    const glob = (pattern: string, value: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
    // A create names its resource in the body; RAM authorizes it as that resource.
    const resourceOf = (c: (typeof fc.calls)[number]) => {
      const path = c.path.replace(/^\/2023-03-30\//, '');
      const created = c.body?.functionName ?? c.body?.domainName;
      return `acs:fc:cn-hangzhou:${ACCOUNT}:${/^(functions|custom-domains)$/.test(path) ? `${path}/${String(created)}` : path}`;
    };
    const called = new Set(fc.calls.map((c) => `${c.action} ${resourceOf(c)}`));
    expect([...called].some((c) => c.startsWith('PutConcurrencyConfig '))).toBe(true);
    expect([...called].some((c) => c.startsWith('DeleteCustomDomain '))).toBe(true);
    for (const call of called) {
      const [action, resource] = call.split(' ') as [string, string];
      const allowed = deployer.Statement.some(
        (s) =>
          s.Effect === 'Allow' &&
          s.Action.some((a) => glob(a, `fc:${action}`)) &&
          s.Resource.some((r) => glob(r, resource)),
      );
      expect(allowed, call).toBe(true);
    }
  });

  it('refuses, before any call, settings the functions would refuse at start, naming them', async () => {
    expect(await run([], { STS_ROLE_ARN: 'worker-data', OSS_BUCKET: undefined })).toBe(1);
    const text = output.join('\n');
    expect(text).toContain('STS_ROLE_ARN');
    expect(text).toContain('OSS_BUCKET');
    expect(fc.calls).toEqual([]);
  });

  it("applies FC_LOG_PROJECT / FC_LOG_STORE as every function's logConfig, on create and on update, with the Logstore grant", async () => {
    const logs = { FC_LOG_PROJECT: 'orchestrator-logs', FC_LOG_STORE: 'functions' };
    expect(await run([], logs), output.join('\n')).toBe(0);
    const expected = { project: 'orchestrator-logs', logstore: 'functions' };
    const bodies = (action: string) => fc.calls.filter((c) => c.action === action && c.body?.code);
    expect(bodies('CreateFunction')).toHaveLength(4);
    for (const call of bodies('CreateFunction')) expect(call.body!.logConfig).toEqual(expected);
    for (const fn of fc.functions.values()) expect(fn.logConfig).toEqual(expected);
    expect(output.join('\n')).toContain('logs orchestrator-logs/functions');

    const before = fc.calls.length;
    expect(await run([], logs), output.join('\n')).toBe(0);
    const updates = fc.calls.slice(before).filter((c) => c.action === 'UpdateFunction');
    expect(updates).toHaveLength(4);
    for (const call of updates) expect(call.body!.logConfig).toEqual(expected);

    const grant = JSON.parse(await readFile(join(outDir, 'aliyun/ram-policies/function-logs.json'), 'utf8'));
    expect(grant.Statement[0]).toEqual({
      Effect: 'Allow',
      Action: ['log:PostLogStoreLogs'],
      Resource: [`acs:log:cn-hangzhou:${ACCOUNT}:project/orchestrator-logs/logstore/functions`],
    });
  });

  it('sends no logConfig and renders no Logstore grant without FC_LOG_PROJECT / FC_LOG_STORE', async () => {
    expect(await run(), output.join('\n')).toBe(0);
    for (const fn of fc.functions.values()) expect(fn.logConfig).toBeUndefined();
    expect(output.join('\n')).toContain('logs none (set FC_LOG_PROJECT and FC_LOG_STORE)');
    await expect(readFile(join(outDir, 'aliyun/ram-policies/function-logs.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses, before any call, FC_LOG_PROJECT without FC_LOG_STORE (and the reverse)', async () => {
    expect(await run([], { FC_LOG_PROJECT: 'orchestrator-logs' })).toBe(1);
    expect(output.join('\n')).toContain(
      'FC_LOG_PROJECT and FC_LOG_STORE together (only FC_LOG_PROJECT is set)',
    );
    expect(await run([], { FC_LOG_STORE: 'functions' })).toBe(1);
    expect(output.join('\n')).toContain('(only FC_LOG_STORE is set)');
    expect(fc.calls).toEqual([]);
  });

  it('deploys with the manager key given as HICLAW_ORCHESTRATOR_API_KEY alone, handing it to lifecycle only', async () => {
    expect(
      await run([], { MANAGER_API_KEYS: undefined, HICLAW_ORCHESTRATOR_API_KEY: MANAGER_KEY }),
      output.join('\n'),
    ).toBe(0);
    const envOf = (fn: string) =>
      fc.functions.get(`worker-orchestrator-${fn}`)!.environmentVariables as Record<string, string>;
    expect(envOf('lifecycle').HICLAW_ORCHESTRATOR_API_KEY).toBe(MANAGER_KEY);
    expect(envOf('credentials').HICLAW_ORCHESTRATOR_API_KEY).toBeUndefined();
    expect(envOf('sweeper').HICLAW_ORCHESTRATOR_API_KEY).toBeUndefined();
    expect(output.join('\n')).not.toContain(MANAGER_KEY);
  });

  it('--dry-run prints the plan (ensure-ready, its reserved concurrency and route included) without credentials and sends nothing', async () => {
    const code = await run(['--dry-run'], {
      ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
      FC_CUSTOM_DOMAIN: 'agents.example.com',
    });
    expect(code).toBe(0);
    const text = output.join('\n');
    expect(text).toContain('Plan (dry run: nothing is sent)');
    expect(text).toContain('function worker-orchestrator-credentials');
    expect(text).toMatch(
      /function worker-orchestrator-ensure-ready: .*one request per instance, reserved concurrency 5\n {4}role acs:ram::\d+:role\/orchestrator-lifecycle\n/,
    );
    expect(text).toContain(
      '    /credentials/sts → worker-orchestrator-credentials\n' +
        '    /api/v1/credentials/sts → worker-orchestrator-credentials\n' +
        '    /ensure-ready/* → worker-orchestrator-ensure-ready\n' +
        '    /* → worker-orchestrator-lifecycle',
    );
    expect(text).toContain('trigger worker-orchestrator-ensure-ready/http (http)');
    expect(text).toContain('MANAGER_API_KEYS=<redacted>');
    expect(text).not.toContain(MANAGER_KEY);
    expect(fc.calls).toEqual([]);
  });
});

describe('deploy:aliyun alarm rules', () => {
  it('renders the CloudMonitor rules for this deployment in a dry run: API server errors, sweeper errors and silence, throttles', async () => {
    expect(
      await run(['--dry-run'], { FC_ALARM_CONTACT_GROUP: 'orchestrator-oncall' }),
      output.join('\n'),
    ).toBe(0);
    expect(output.join('\n')).toContain('CloudMonitor alarm rules: 4 in');
    const rules = JSON.parse(await readFile(join(outDir, 'aliyun/alarms.json'), 'utf8')) as {
      RuleId: string;
      Namespace: string;
      MetricName: string;
      Resources: string;
      ContactGroups: string;
    }[];
    const watched = Object.fromEntries(
      rules.map((r) => [
        r.MetricName,
        (JSON.parse(r.Resources) as { functionName: string }[]).map((x) => x.functionName),
      ]),
    );
    expect(watched).toEqual({
      FunctionServerErrors: [
        'worker-orchestrator-lifecycle',
        'worker-orchestrator-ensure-ready',
        'worker-orchestrator-credentials',
      ],
      FunctionFunctionErrors: ['worker-orchestrator-sweeper'],
      FunctionTotalInvocations: ['worker-orchestrator-sweeper'],
      FunctionConcurrencyThrottles: [
        'worker-orchestrator-lifecycle',
        'worker-orchestrator-ensure-ready',
        'worker-orchestrator-credentials',
        'worker-orchestrator-sweeper',
      ],
    });
    for (const rule of rules) {
      expect(rule).toMatchObject({ Namespace: 'acs_fc', ContactGroups: 'orchestrator-oncall' });
      expect(rule.RuleId).toMatch(/^worker-orchestrator-/);
    }
    expect(fc.calls).toEqual([]);
  });
});

describe('deploy:aliyun command line', () => {
  it('refuses an unknown option or command before building or sending anything: --dryrun never deploys', async () => {
    for (const argv of [['--dryrun'], ['-n'], ['dpeloy'], ['remove', 'now'], ['--dry-run=false']]) {
      output.length = 0;
      expect(await run(argv), argv.join(' ')).toBe(2);
      expect(output.join('\n')).toMatch(/^(Unknown option|Unknown command|Unexpected argument) /);
      expect(output.join('\n')).toContain('Usage: npm run deploy:aliyun -- [deploy|remove] [--dry-run]');
    }
    expect(fc.calls).toEqual([]);
  });

  it('refuses a --dry-run npm took for itself (no `--`), which would otherwise deploy or remove for real', async () => {
    for (const [argv, env] of [
      [[], { npm_config_dry_run: 'true' }],
      [['remove'], { npm_config_dry_run: 'true' }],
      [[], { npm_config_dryrun: 'true' }],
    ] as const) {
      output.length = 0;
      expect(await run([...argv], env)).toBe(2);
      expect(output.join('\n')).toContain('npm run deploy:aliyun -- --dry-run');
    }
    expect(fc.calls).toEqual([]);
  });

  it('fails a dry run that lacks settings a real run needs, listing every one of them, and sends nothing', async () => {
    const code = await run(['--dry-run'], {
      OSS_BUCKET: undefined,
      STS_ROLE_ARN: undefined,
      FC_SWEEPER_ROLE_ARN: undefined,
    });
    expect(code).toBe(1);
    const text = output.join('\n');
    for (const name of ['OSS_BUCKET', 'STS_ROLE_ARN', 'FC_SWEEPER_ROLE_ARN'])
      expect(text).toContain(`missing or invalid: ${name}`);
    expect(text).toContain(
      'Dry run failed: a real run would refuse deploying, 3 setting(s) missing or invalid',
    );
    expect(fc.calls).toEqual([]);
  });

  it('remove deletes the custom domain, every trigger and the four functions, in the order FC needs', async () => {
    const domain = { FC_CUSTOM_DOMAIN: 'agents.example.com' };
    expect(await run([], domain), output.join('\n')).toBe(0);
    expect(fc.functions.size).toBe(4);
    const before = fc.calls.length;
    // Removing asks only where the functions are and for credentials, not what they would run with.
    expect(
      await run(['remove'], { ...domain, OSS_BUCKET: undefined, FC_LIFECYCLE_ROLE_ARN: undefined }),
      output.join('\n'),
    ).toBe(0);
    expect(fc.functions.size).toBe(0);
    expect(fc.triggers.size).toBe(0);
    expect(fc.domains.size).toBe(0);
    expect(fc.concurrency.size).toBe(0);
    const deletes = fc.calls
      .slice(before)
      .filter((c) => c.action.startsWith('Delete'))
      .map((c) => c.action);
    expect(deletes[0]).toBe('DeleteCustomDomain');
    // Each function's triggers go before the function itself.
    for (const fn of ['lifecycle', 'ensure-ready', 'credentials', 'sweeper']) {
      const calls = fc.calls.slice(before);
      const trigger = calls.findIndex(
        (c) => c.action === 'DeleteTrigger' && c.path.includes(`/worker-orchestrator-${fn}/`),
      );
      const fnDelete = calls.findIndex(
        (c) => c.action === 'DeleteFunction' && c.path.endsWith(`/worker-orchestrator-${fn}`),
      );
      expect(trigger, fn).toBeGreaterThanOrEqual(0);
      expect(fnDelete, fn).toBeGreaterThan(trigger);
    }
    expect(output.join('\n')).toContain('Kept: the state bucket');

    // A second run finds nothing and deletes nothing.
    const again = fc.calls.length;
    expect(await run(['remove'], domain)).toBe(0);
    expect(fc.calls.slice(again).filter((c) => c.action.startsWith('Delete'))).toEqual([]);
    expect(output.join('\n')).toContain('absent function worker-orchestrator-sweeper');
  });

  it('remove --dry-run lists what it would delete without credentials and sends nothing', async () => {
    expect(await run([], {}), output.join('\n')).toBe(0);
    const before = fc.calls.length;
    output.length = 0;
    expect(
      await run(['remove', '--dry-run'], {
        ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
      }),
    ).toBe(0);
    const text = output.join('\n');
    expect(text).toContain('Removal (dry run: nothing is sent)');
    expect(text).toContain(
      '  trigger worker-orchestrator-sweeper/every-minute\n  function worker-orchestrator-sweeper',
    );
    expect(fc.calls.length).toBe(before);
    expect(fc.functions.size).toBe(4);
  });

  it('remove without credentials is refused, naming them, before any call', async () => {
    expect(await run([], {})).toBe(0);
    const before = fc.calls.length;
    expect(await run(['remove'], { ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined })).toBe(1);
    expect(output.join('\n')).toContain(
      'missing or invalid: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    );
    expect(fc.calls.length).toBe(before);
  });
});

describe('deploy:aliyun as a command', () => {
  it('--dry-run from a bare environment runs offline, prints the plan, and exits 1 listing the missing settings', async () => {
    const failure = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'infra/aliyun/deploy.ts'), '--dry-run'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        timeout: 120_000,
      },
    ).then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('Plan (dry run: nothing is sent)');
    expect(failure?.stdout).toContain('missing or invalid: OSS_BUCKET');
    expect(failure?.stdout).toContain('Dry run failed');
  }, 150_000);
});
