/**
 * What `npm run deploy:aliyun` reads from its environment: where to deploy (region, account, credentials), what
 * to call things and which RAM roles to give the functions, and the orchestrator settings it forwards to each
 * function's environment (each function gets only the ones it uses). The README lists every variable.
 *
 * A dry run needs none of it: missing values show up in the plan as `<unset: NAME>` and as warnings, and nothing
 * reaches the network. A real run refuses to start while anything required is missing, naming all of it at once.
 *
 * @module
 */
import type { Env } from '../../src/config/env';

export interface DeploySettings {
  dryRun: boolean;
  region: string;
  accountId: string;
  /** API host (optionally `host:port`); default `<account>.<region>.fc.aliyuncs.com`. */
  endpoint: string;
  protocol: 'https' | 'http';
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  functionPrefix: string;
  roles: { lifecycle?: string; credentials?: string; sweeper?: string };
  /** Reserved concurrency of the ensure-ready function: how many waits run at once (FC_ENSURE_READY_CONCURRENCY). */
  ensureReadyConcurrency: number;
  /** The account's instance quota in the region (FC_REGION_CONCURRENCY_QUOTA), which bounds the reservation. */
  regionConcurrencyQuota: number;
  customDomain?: { name: string; certFile?: string; keyFile?: string };
  /** Simple Log Service project and Logstore every function logs to (FC `logConfig`); unset: no FC logging. */
  log?: { project: string; logstore: string };
  /** The orchestrator's settings, as given (forwarded per function by the plan). */
  orchestrator: Env;
  /** What a real run cannot do without; empty when everything is there. */
  missing: string[];
}

/** `<unset: NAME>` in a dry run's plan; a real run never gets this far with one. */
export const unset = (name: string) => `<unset: ${name}>`;

const value = (env: Env, ...names: string[]) => {
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return undefined;
};

/**
 * `remove` needs only where to find the functions (region, account, prefix, custom domain) and credentials: what
 * the functions would run with (roles, bucket, keys) is not asked for.
 */
export function readDeploySettings(
  env: Env,
  options: { dryRun: boolean; removing?: boolean },
): DeploySettings {
  const missing: string[] = [];
  const need = (names: string[], fallback?: string): string => {
    const found = value(env, ...names);
    if (found) return found;
    if (fallback !== undefined) return fallback;
    missing.push(names.join(' or '));
    return unset(names[0]!);
  };
  /** What only a deploy needs: a removal neither asks for it nor reports it missing. */
  const needToDeploy = (names: string[]): string =>
    options.removing ? (value(env, ...names) ?? unset(names[0]!)) : need(names);
  const region = need(['FC_REGION', 'ALIBABA_CLOUD_REGION_ID'], options.dryRun ? 'cn-hangzhou' : undefined);
  const accountId = need(['FC_ACCOUNT_ID', 'ALIBABA_CLOUD_ACCOUNT_ID']);
  const accessKeyId = value(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = value(env, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  // A dry run never signs anything, so it does not ask for credentials at all.
  if (!options.dryRun && (!accessKeyId || !accessKeySecret)) {
    missing.push('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  }
  const securityToken = value(env, 'ALIBABA_CLOUD_SECURITY_TOKEN');
  const roles = {
    lifecycle: needToDeploy(['FC_LIFECYCLE_ROLE_ARN']),
    credentials: needToDeploy(['FC_CREDENTIALS_ROLE_ARN']),
    sweeper: needToDeploy(['FC_SWEEPER_ROLE_ARN']),
  };
  for (const [fn, arn] of Object.entries(roles)) {
    if (!arn.startsWith('<unset') && !/^acs:ram::\d+:role\/[\w.@-]+$/.test(arn)) {
      missing.push(
        `FC_${fn.toUpperCase()}_ROLE_ARN as acs:ram::<account>:role/<name> (got ${JSON.stringify(arn)})`,
      );
    }
  }
  needToDeploy(['OSS_BUCKET']);
  needToDeploy(['MANAGER_API_KEYS', 'HICLAW_ORCHESTRATOR_API_KEY']);
  needToDeploy(['STS_ROLE_ARN']);
  // Reserved for ensure-ready alone, so a burst of waits can never take the instances /ready needs. FC refuses a
  // reservation above 90% of the region's instance quota (for one function, and for all together), and every
  // reserved instance is one the lifecycle function cannot scale into: the bound is checked here, against the
  // quota the account really has (FC_REGION_CONCURRENCY_QUOTA, 100 by default; see FC's quota page).
  const quotaText = value(env, 'FC_REGION_CONCURRENCY_QUOTA') ?? '100';
  const quota = /^[1-9]\d{0,6}$/.test(quotaText) ? Number(quotaText) : undefined;
  if (quota === undefined) {
    missing.push(
      `FC_REGION_CONCURRENCY_QUOTA as a whole number of instances (got ${JSON.stringify(quotaText)})`,
    );
  }
  const ceiling = Math.floor((quota ?? 100) * 0.9);
  const concurrency = value(env, 'FC_ENSURE_READY_CONCURRENCY') ?? '5';
  const reserved = /^\d{1,7}$/.test(concurrency) ? Number(concurrency) : Number.NaN;
  if (!(reserved >= 1 && reserved <= ceiling)) {
    missing.push(
      `FC_ENSURE_READY_CONCURRENCY as a whole number from 1 to ${ceiling} (90% of FC_REGION_CONCURRENCY_QUOTA ` +
        `${quota ?? quotaText}; FC refuses more, and other functions' reservations count too) (got ${JSON.stringify(concurrency)})`,
    );
  }
  const domain = value(env, 'FC_CUSTOM_DOMAIN');
  // Both or neither: one alone would leave the functions' logs nowhere, silently.
  const logProject = value(env, 'FC_LOG_PROJECT');
  const logstore = value(env, 'FC_LOG_STORE');
  if (Boolean(logProject) !== Boolean(logstore)) {
    missing.push(
      `FC_LOG_PROJECT and FC_LOG_STORE together (only ${logProject ? 'FC_LOG_PROJECT' : 'FC_LOG_STORE'} is set)`,
    );
  }
  const protocol = value(env, 'FC_PROTOCOL') === 'http' ? 'http' : 'https';
  return {
    dryRun: options.dryRun,
    region,
    accountId,
    endpoint: value(env, 'FC_ENDPOINT') ?? `${accountId}.${region}.fc.aliyuncs.com`,
    protocol,
    ...(accessKeyId && accessKeySecret
      ? { credentials: { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) } }
      : {}),
    functionPrefix: value(env, 'FC_FUNCTION_PREFIX') ?? 'worker-orchestrator',
    roles,
    ensureReadyConcurrency: Number.isNaN(reserved) ? 5 : reserved,
    regionConcurrencyQuota: quota ?? 100,
    ...(domain
      ? {
          customDomain: {
            name: domain,
            ...(value(env, 'FC_CUSTOM_DOMAIN_CERT_FILE')
              ? { certFile: value(env, 'FC_CUSTOM_DOMAIN_CERT_FILE') }
              : {}),
            ...(value(env, 'FC_CUSTOM_DOMAIN_KEY_FILE')
              ? { keyFile: value(env, 'FC_CUSTOM_DOMAIN_KEY_FILE') }
              : {}),
          },
        }
      : {}),
    ...(logProject && logstore ? { log: { project: logProject, logstore } } : {}),
    orchestrator: env,
    missing,
  };
}
