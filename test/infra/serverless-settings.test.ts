/**
 * The settings `serverless.yml` takes from the environment, resolved offline by the real osls CLI (`osls print`:
 * every variable resolved, the local plugin's `${orchestrator:…}` source included, nothing bundled or sent):
 * prefixes normalized the way the code normalizes them, refused where the functions would refuse them, the
 * ensure-ready throttle derived from its reserved concurrency, and every orchestrator setting passed through to
 * the functions that read it.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/build/targets';
import { AWS_PLATFORM, loadCloudConfig, readAwsStsSettings, readEcsSettings } from '../../src/config/cloud';

// biome-ignore lint/suspicious/noExplicitAny: the resolved serverless.yml is untyped, read field by field
type Resolved = Record<string, any>;

/** `osls print` with only these variables set; rejects with osls's message when it refuses the settings. */
async function resolve(vars: Record<string, string>, args: string[] = []): Promise<Resolved> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
      'print',
      '--stage',
      'test',
      '--format',
      'json',
      ...args,
    ],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars }, timeout: 60_000 },
  );
  return JSON.parse(stdout);
}

const refusal = (vars: Record<string, string>) =>
  resolve(vars).then(
    () => 'accepted',
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
  );

/** A function's environment as the template gives it: the provider's, then the function's own. */
const envOf = (config: Resolved, fn: string): Record<string, unknown> => ({
  ...config.provider.environment,
  ...config.functions[fn].environment,
});

/** Strings only, as the config readers see them (CloudFormation references stand in as plausible values). */
const asEnv = (env: Record<string, unknown>): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  ...Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? v.replace(/^\{\{resolve:.*\}\}$/, 'manager-key-from-secrets-manager-0123456789')
        : k.endsWith('_ARN')
          ? 'arn:aws:iam::123456789012:role/some-role'
          : k.endsWith('_URL')
            ? 'https://abc123.execute-api.us-east-1.amazonaws.com'
            : `resolved-${k.toLowerCase()}`,
    ]),
  ),
});

/** The gateway throttle of one ensure-ready route, and the most waits it can have in flight over `seconds`. */
const ensureReadyThrottle = (config: Resolved, route: string, seconds: number) => {
  const settings = config.resources.extensions.HttpApiStage.Properties.RouteSettings[
    `POST ${route}/ensure-ready`
  ] as { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
  const burst = Number(settings.ThrottlingBurstLimit);
  const rate = Number(settings.ThrottlingRateLimit);
  return { burst, rate, inFlight: burst + rate * seconds };
};

describe('serverless.yml settings, resolved offline by osls', () => {
  it('adds the trailing slash to STATE_PREFIX and DATA_ROOT everywhere, IAM resources included, as the code does', async () => {
    const config = await resolve({ STATE_PREFIX: 'zzstate', DATA_ROOT: 'zzdata' });
    expect(config.provider.environment).toMatchObject({ STATE_PREFIX: 'zzstate/', DATA_ROOT: 'zzdata/' });
    const text = JSON.stringify(config.resources);
    // Every use of either prefix in a policy (`zzstate/workers/*`, `zzdata/agents/*`…) has its slash.
    expect(text.match(/zzstate./g)?.length).toBeGreaterThan(5);
    expect(text.match(/zzstate[^/]/g)).toBeNull();
    expect(text.match(/zzdata./g)?.length).toBeGreaterThan(2);
    expect(text.match(/zzdata[^/]/g)).toBeNull();
    expect(text).toContain('zzstate/workers/*');
    expect(text).toContain('zzdata/agents/*');
    // The same through --param, which bypasses the params' env defaults.
    const fromParam = await resolve({}, ['--param=statePrefix=zzparam']);
    expect(fromParam.provider.environment.STATE_PREFIX).toBe('zzparam/');
    expect(JSON.stringify(fromParam.resources).match(/zzparam[^/]/g)).toBeNull();
  });

  it('refuses, naming it, a STATE_PREFIX the functions would refuse: empty, or overlapping a data prefix of the workers', async () => {
    const refused: Record<string, string>[] = [
      { STATE_PREFIX: 'agents' },
      { STATE_PREFIX: ' ' },
      { DATA_ROOT: 'orchestrator' },
    ];
    for (const vars of refused) {
      const message = await refusal(vars);
      expect(message, JSON.stringify(vars)).toMatch(/STATE_PREFIX \(.*\) must be non-empty and disjoint/);
    }
  });

  it('divides the ensure-ready reserved concurrency between its two routes, each admitting no more waits than its part, and refuses a part too small to refill', async () => {
    const config = await resolve({ ENSURE_READY_CONCURRENCY: '10', ENSURE_READY_MAX_SECONDS: '10' });
    expect(Number(config.functions.ensureReady.reservedConcurrency)).toBe(10);
    expect(envOf(config, 'ensureReady').ENSURE_READY_MAX_SECONDS).toBe('10');
    // At most burst + rate × 10 s admitted in any 10 s on each route, each waiting at most 10 s: half of the 10
    // reserved each, so both together never exceed them.
    const older = ensureReadyThrottle(config, '/workers/{name}', 10);
    const v1 = ensureReadyThrottle(config, '/api/v1/workers/{name}', 10);
    expect(older).toEqual({ burst: 3, rate: 0.2, inFlight: 5 });
    expect(v1).toEqual({ burst: 3, rate: 0.2, inFlight: 5 });

    const mostlyV1 = await resolve({
      ENSURE_READY_CONCURRENCY: '10',
      ENSURE_READY_MAX_SECONDS: '10',
      ENSURE_READY_V1_CONCURRENCY: '8',
    });
    expect(ensureReadyThrottle(mostlyV1, '/api/v1/workers/{name}', 10)).toEqual({
      burst: 4,
      rate: 0.4,
      inFlight: 8,
    });
    expect(ensureReadyThrottle(mostlyV1, '/workers/{name}', 10)).toEqual({
      burst: 1,
      rate: 0.1,
      inFlight: 2,
    });

    expect(await refusal({ ENSURE_READY_CONCURRENCY: '3' })).toContain(
      'ENSURE_READY_CONCURRENCY must be an integer from 4 to 1000, got "3"',
    );
    expect(await refusal({ ENSURE_READY_CONCURRENCY: '10', ENSURE_READY_V1_CONCURRENCY: '9' })).toContain(
      'ENSURE_READY_V1_CONCURRENCY must be an integer from 2 to 8, got "9"',
    );
    expect(await refusal({ ENSURE_READY_MAX_SECONDS: '30' })).toContain(
      'ENSURE_READY_MAX_SECONDS must be an integer from 0 to 25',
    );
  });

  it('passes every orchestrator setting through to the functions that read it, where the config readers accept it', async () => {
    const config = await resolve({
      ECS_SUBNETS: 'subnet-0aaa',
      KEY_ROTATION_GRACE_SECONDS: '120',
      MAX_ATTEMPTS: '9',
      WEDGED_AFTER_SECONDS: '3600',
      UNRESPONSIVE_AFTER_SECONDS: '1200',
      EVENT_RETENTION_DAYS: '7',
      SWEEP_FULL_SCAN_INTERVAL_SECONDS: '1800',
      SWEEP_BUDGET_MS: '30000',
      SWEEP_BACKEND_CONCURRENCY: '8',
      MAX_ORPHAN_ACTIONS_PER_RUN: '2',
      TOMBSTONE_RETENTION_SECONDS: '7200',
      ECS_DEFAULT_CPU_MILLICORES: '1024',
      ECS_DEFAULT_MEMORY_MB: '2048',
      ECS_VERIFY_IMAGE_REGISTRIES: 'registry.example.com,ghcr.io',
      STS_ENDPOINT: 'https://sts.us-east-1.amazonaws.com',
      WORKER_LOG_RETENTION_DAYS: '14',
    });
    const lifecycle = asEnv(envOf(config, 'lifecycle'));
    expect(loadCloudConfig(lifecycle, AWS_PLATFORM).settings).toMatchObject({
      rotationGraceSeconds: 120,
      maxAttempts: 9,
      wedgedAfterSeconds: 3600,
      unresponsiveAfterSeconds: 1200,
      eventRetentionDays: 7,
    });
    expect(readEcsSettings(lifecycle)).toMatchObject({
      defaultCpuMillicores: 1024,
      defaultMemoryMb: 2048,
      verifyImageRegistries: ['registry.example.com', 'ghcr.io'],
    });
    expect(asEnv(envOf(config, 'ensureReady')).MAX_ATTEMPTS).toBe('9');

    const sweeper = asEnv(envOf(config, 'sweeper'));
    expect(loadCloudConfig(sweeper, AWS_PLATFORM, { managerKeysOptional: true }).sweeper).toMatchObject({
      fullScanIntervalSeconds: 1800,
      budgetMs: 30_000,
      backendConcurrency: 8,
      maxOrphanActionsPerRun: 2,
      tombstoneRetentionSeconds: 7200,
    });
    expect(loadCloudConfig(sweeper, AWS_PLATFORM, { managerKeysOptional: true }).settings.maxAttempts).toBe(
      9,
    );

    const credentials = asEnv(envOf(config, 'credentials'));
    const credentialsConfig = loadCloudConfig(credentials, AWS_PLATFORM, { managerKeysOptional: true });
    expect(credentialsConfig.settings.rotationGraceSeconds).toBe(120);
    expect(readAwsStsSettings(credentials, credentialsConfig.dataRoot).stsEndpoint).toBe(
      'https://sts.us-east-1.amazonaws.com',
    );
    expect(config.resources.Resources.WorkerLogGroup.Properties.RetentionInDays).toBe('14');
  });
});

/** The plugin's helpers (plain JavaScript, which osls loads without a TypeScript loader). */
const { declaredParams, unknownParamNames } = (await import(
  '../../infra/build/osls-settings.mjs' as string
)) as {
  declaredParams: (yml: string) => Record<string, string>;
  unknownParamNames: (names: string[], declared: Record<string, string>) => string[];
};

describe('serverless.yml params: names and required settings, checked by the local plugin', () => {
  const osls = (args: string[], vars: Record<string, string>) =>
    promisify(execFile)(process.execPath, [join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars },
      timeout: 120_000,
    }).then(
      () => 'accepted',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );

  it('refuses to package without ECS_SUBNETS, naming it and its param, before building anything', async () => {
    const text = await osls(
      ['package', '--stage', 'test', '--package', join(REPO_ROOT, '.serverless/x')],
      {},
    );
    expect(text).toContain('Not packaging: ECS_SUBNETS (param ecsSubnets) is required');
    expect(text).not.toContain('Bundling the AWS functions');
  });

  it('refuses a --param that names no declared param, pointing an upper-case name to its camelCase param', async () => {
    const upper = await osls(['print', '--stage', 'test', '--param=ECS_SUBNETS=subnet-0aaa'], {});
    expect(upper).toContain(
      'unknown param "ECS_SUBNETS": params are camelCase, use ecsSubnets (or the environment variable ECS_SUBNETS)',
    );
    const typo = await osls(['print', '--stage', 'test', '--param=ecsSubnet=subnet-0aaa'], {});
    expect(typo).toMatch(/unknown param "ecsSubnet": serverless.yml declares statePrefix, .*ecsSubnets/);
    expect(await osls(['print', '--stage', 'test', '--param=ecsSubnets=subnet-0aaa'], {})).toBe('accepted');
  });

  it("refuses a stage's params block that names an environment variable instead of its param", async () => {
    // A copy of serverless.yml beside it (osls loads the local plugin relative to the service directory).
    const config = `serverless.stage-params-${process.pid}.yml`;
    const yml = await readFile(join(REPO_ROOT, 'serverless.yml'), 'utf8');
    await writeFile(
      join(REPO_ROOT, config),
      yml.replace('params:\n  default:\n', 'params:\n  prod:\n    ECS_SUBNETS: subnet-0aaa\n  default:\n'),
    );
    try {
      const text = await osls(['print', '--config', config, '--stage', 'prod'], {});
      expect(text).toContain('unknown param "ECS_SUBNETS": params are camelCase, use ecsSubnets');
    } finally {
      await rm(join(REPO_ROOT, config), { force: true });
    }
  });

  it('reads every param name and its environment variable from serverless.yml, and finds unknown stage params', async () => {
    const declared = declaredParams(await readFile(join(REPO_ROOT, 'serverless.yml'), 'utf8'));
    expect(declared).toMatchObject({ ecsSubnets: 'ECS_SUBNETS', readyRate: 'THROTTLE_READY_RATE' });
    expect(Object.keys(declared).length).toBeGreaterThan(30);
    expect(unknownParamNames(['ecsSubnets', 'ORPHAN_ACTION', 'nope'], declared)).toEqual([
      'unknown param "ORPHAN_ACTION": params are camelCase, use orphanAction (or the environment variable ORPHAN_ACTION)',
      expect.stringMatching(/^unknown param "nope": serverless.yml declares/),
    ]);
  });
});
