/**
 * The deployment plan: the four FC 3.0 functions (built-in `nodejs20` runtime, one bundle zip each; ensure-ready
 * runs the lifecycle bundle with its own reserved concurrency), their HTTP triggers, the sweeper's timer, and
 * optionally a custom domain (workers and the manager call all of them under one `HICLAW_ORCHESTRATOR_URL`).
 *
 * The domain's routes use only what FC documents for custom-domain routing ("Configure custom domain names":
 * exact paths, and a path ending in `/*` matching by prefix, the longest prefix winning): `/credentials/sts` and
 * HiClaw's `/api/v1/credentials/sts` (exact) → credentials, `/ensure-ready/*` → ensure-ready, `/*` → lifecycle.
 * A `*` inside a path
 * (`/workers/{*}/ensure-ready`, braces added here) is not documented: FC might refuse it, or match it as the prefix `/workers/` and
 * send every manager call to ensure-ready's few reserved instances. The waiting ensure-ready therefore has a path
 * prefix of its own, `/ensure-ready/workers/{name}` (the FC HTTP adapter maps it to the API's route), and the
 * HiClaw URL `/workers/{name}/ensure-ready` keeps working on lifecycle, answering without a wait
 * (`function-env.ts`). A separate domain or trigger URL for ensure-ready would keep one path per route too, but
 * would give clients a second base URL to know.
 *
 * Each function's environment (`function-env.ts`) is checked by the same readers its composition root runs at
 * cold start, so a misconfiguration fails the deploy, not the first request.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FC_ENSURE_READY_PREFIX } from '../../src/platforms/fc-http';
import type { BuiltBundle } from '../build/bundle';
import {
  checkFunctionEnvironment,
  codeOf,
  FC_FUNCTIONS,
  type FcFunctionName,
  functionEnvironment,
  SIZES,
} from './function-env';
import { type DeploySettings, unset } from './settings';

/**
 * Every method the lifecycle function's routes use, on its trigger and its catch-all route: FC answers any other
 * method itself, so a method missing here (HiClaw's `PUT /api/v1/workers/{name}`) never reaches the app.
 */
export const LIFECYCLE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface FunctionPlan {
  fn: FcFunctionName;
  name: string;
  runtime: 'nodejs20';
  handler: 'index.handler';
  cpu: number;
  memorySize: number;
  diskSize: number;
  timeout: number;
  /** FC `PutConcurrencyConfig`: instances kept for this function alone, and its ceiling (ensure-ready only). */
  reservedConcurrency?: number;
  roleArn: string;
  environment: Record<string, string>;
  /** FC `logConfig`: where the function's logs go (FC_LOG_PROJECT / FC_LOG_STORE); unset: FC keeps none. */
  logConfig?: { project: string; logstore: string };
  zip: { path: string; bytes: number; sha256: string };
}

export interface TriggerPlan {
  functionName: string;
  name: string;
  type: 'http' | 'timer';
  config: Record<string, unknown>;
}

export interface DomainPlan {
  name: string;
  protocol: 'HTTP' | 'HTTP,HTTPS';
  routes: { path: string; functionName: string; methods: string[]; qualifier: string }[];
  cert?: { certName: string; certificate: string; privateKey: string };
}

export interface DeployPlan {
  region: string;
  accountId: string;
  endpoint: string;
  functions: FunctionPlan[];
  triggers: TriggerPlan[];
  domain?: DomainPlan;
  /** Known before deploying (set, or the custom domain); otherwise the lifecycle trigger's URL, found by apply. */
  orchestratorUrl?: string;
  /** Settings a real run cannot go without, and settings the functions would refuse at start. */
  problems: string[];
  warnings: string[];
}

export async function buildPlan(settings: DeploySettings, bundles: BuiltBundle[]): Promise<DeployPlan> {
  const problems = [...settings.missing];
  const warnings: string[] = [];
  const name = (fn: FcFunctionName) => `${settings.functionPrefix}-${fn}`;
  const configured = settings.orchestrator.ORCHESTRATOR_URL?.trim();
  const domain = settings.customDomain ? await domainPlan(settings, name) : undefined;
  const orchestratorUrl =
    configured ||
    (domain ? `${domain.protocol.includes('HTTPS') ? 'https' : 'http'}://${domain.name}` : undefined);
  if (!domain) {
    warnings.push(
      'no FC_CUSTOM_DOMAIN: lifecycle and credentials get separate trigger URLs, and workers reach only the ' +
        "lifecycle one (HICLAW_ORCHESTRATOR_URL): their /credentials/sts calls need a custom domain's routing, " +
        'and ensure-ready calls to that URL run on lifecycle, without waiting (202 + Retry-After until ready)',
    );
  } else if (domain.protocol === 'HTTP') {
    warnings.push(
      'the custom domain serves plain HTTP: set FC_CUSTOM_DOMAIN_CERT_FILE and _KEY_FILE for HTTPS',
    );
  }

  const functions: FunctionPlan[] = [];
  for (const fn of FC_FUNCTIONS) {
    const code = codeOf(fn);
    const bundle = bundles.find((b) => b.platform === 'aliyun' && b.fn === code);
    if (!bundle?.zip) throw new Error(`the aliyun/${code} bundle was not built with its zip`);
    const zip = await readFile(bundle.zip);
    const environment = functionEnvironment(fn, settings.orchestrator, orchestratorUrl);
    const complaint = checkFunctionEnvironment(fn, environment, settings.region);
    // Already listed when it names a variable the settings found missing.
    if (complaint && !problems.some((p) => complaint.includes(p.split(' ')[0]!))) problems.push(complaint);
    functions.push({
      fn,
      name: name(fn),
      runtime: 'nodejs20',
      handler: 'index.handler',
      diskSize: 512,
      ...SIZES[fn],
      ...(fn === 'ensure-ready' ? { reservedConcurrency: settings.ensureReadyConcurrency } : {}),
      roleArn: settings.roles[code] ?? unset(`FC_${code.toUpperCase()}_ROLE_ARN`),
      environment,
      ...(settings.log
        ? { logConfig: { project: settings.log.project, logstore: settings.log.logstore } }
        : {}),
      zip: { path: bundle.zip, bytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex') },
    });
  }

  const triggers = planTriggers(name);
  return {
    region: settings.region,
    accountId: settings.accountId,
    endpoint: `${settings.protocol}://${settings.endpoint}`,
    functions,
    triggers,
    ...(domain ? { domain } : {}),
    ...(orchestratorUrl ? { orchestratorUrl } : {}),
    problems,
    warnings,
  };
}

/** Each function's triggers: an HTTP trigger for those with routes, the sweeper's one-minute timer. */
export function planTriggers(name: (fn: FcFunctionName) => string): TriggerPlan[] {
  const http = (fn: FcFunctionName, methods: string[]): TriggerPlan => ({
    functionName: name(fn),
    name: 'http',
    type: 'http',
    // Anonymous at the trigger: the app checks every request's bearer key itself.
    config: { authType: 'anonymous', methods, disableURLInternet: false },
  });
  return [
    http('lifecycle', [...LIFECYCLE_METHODS]),
    http('ensure-ready', ['POST']),
    http('credentials', ['GET', 'POST']),
    {
      functionName: name('sweeper'),
      name: 'every-minute',
      type: 'timer',
      config: { cronExpression: '@every 1m', enable: true, payload: '{"kind":"sweep"}' },
    },
  ];
}

async function domainPlan(
  settings: DeploySettings,
  name: (fn: FcFunctionName) => string,
): Promise<DomainPlan> {
  const domain = settings.customDomain!;
  const cert =
    domain.certFile && domain.keyFile
      ? {
          certName: domain.name.replace(/[^a-zA-Z0-9-]/g, '-'),
          certificate: await readFile(domain.certFile, 'utf8'),
          privateKey: await readFile(domain.keyFile, 'utf8'),
        }
      : undefined;
  return {
    name: domain.name,
    protocol: cert ? 'HTTP,HTTPS' : 'HTTP',
    // Exact paths and trailing-`*` prefixes only (the longest prefix wins on FC; listed most specific first).
    routes: [
      { path: '/credentials/sts', functionName: name('credentials'), methods: ['POST'], qualifier: 'LATEST' },
      // Where HiClaw's workers ask (`${HICLAW_CONTROLLER_URL}/api/v1/credentials/sts`); under `/*` it would reach
      // lifecycle, which has no issuer and no credentials route.
      {
        path: '/api/v1/credentials/sts',
        functionName: name('credentials'),
        methods: ['POST'],
        qualifier: 'LATEST',
      },
      {
        path: `${FC_ENSURE_READY_PREFIX}/*`,
        functionName: name('ensure-ready'),
        methods: ['POST'],
        qualifier: 'LATEST',
      },
      {
        path: '/*',
        functionName: name('lifecycle'),
        methods: [...LIFECYCLE_METHODS],
        qualifier: 'LATEST',
      },
    ],
    ...(cert ? { cert } : {}),
  };
}

/** Names whose values never appear in the printed plan. */
const SECRET_NAME = /(API_KEYS?|SECRET|TOKEN|PASSWORD)$/;

export function describePlan(plan: DeployPlan): string {
  const lines = [`FC 3.0 in ${plan.region}, account ${plan.accountId}, API ${plan.endpoint}`];
  for (const f of plan.functions) {
    lines.push(
      `  function ${f.name}: ${f.runtime} ${f.handler}, ${f.cpu} vCPU / ${f.memorySize} MB, timeout ${f.timeout} s, ` +
        'one request per instance' +
        (f.reservedConcurrency === undefined ? '' : `, reserved concurrency ${f.reservedConcurrency}`),
      `    role ${f.roleArn}`,
      `    logs ${f.logConfig ? `${f.logConfig.project}/${f.logConfig.logstore}` : 'none (set FC_LOG_PROJECT and FC_LOG_STORE)'}`,
      `    code ${f.zip.path} (${(f.zip.bytes / 1024).toFixed(0)} KiB, sha256 ${f.zip.sha256.slice(0, 12)})`,
      `    env ${Object.entries(f.environment)
        .map(([k, v]) => `${k}=${SECRET_NAME.test(k) ? '<redacted>' : v}`)
        .join(' ')}`,
    );
  }
  for (const t of plan.triggers)
    lines.push(`  trigger ${t.functionName}/${t.name} (${t.type}) ${JSON.stringify(t.config)}`);
  if (plan.domain) {
    lines.push(`  custom domain ${plan.domain.name} (${plan.domain.protocol})`);
    for (const r of plan.domain.routes) lines.push(`    ${r.path} → ${r.functionName}`);
  }
  lines.push(
    `  orchestrator URL: ${plan.orchestratorUrl ?? "the lifecycle trigger's URL (known after deploying)"}`,
  );
  for (const w of plan.warnings) lines.push(`  warning: ${w}`);
  for (const p of plan.problems) lines.push(`  missing or invalid: ${p}`);
  return lines.join('\n');
}
