/**
 * The RAM policies the deployment needs, as documents in `ram-policies/` with `${NAME}` placeholders, rendered
 * with this deployment's names (account, buckets, prefixes, roles) into `dist/aliyun/ram-policies/`:
 *
 * - `fc-trust.json`: the trust policy of the three function roles (FC may assume them).
 * - `lifecycle.json`, `sweeper.json`: the state prefix (secrets/ included) and the SAE actions the backend calls,
 *   reads apart from writes. SAE offers no resource-level scope for them (see the templates' `_comment`).
 * - `credentials.json`: reads records and meta/; writes only its events and the /healthz clock probe (never
 *   meta/deployment.json); `secrets/` denied; AssumeRole of the worker-data role.
 * - `worker-data.json` + `worker-data-trust.json`: the role workers' STS credentials are cut from (agents/ and
 *   shared/ only), assumable by the credentials role alone.
 * - `deployer.json`: what `npm run deploy:aliyun` itself needs.
 * - `function-logs.json` (only with FC_LOG_PROJECT / FC_LOG_STORE): the function roles' writes to that Logstore.
 *
 * A template may carry `_comment` (top level or per statement) to explain a grant; RAM accepts no such field, so
 * rendering drops it.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeploySettings } from './settings';

export const POLICY_NAMES = [
  'fc-trust',
  'lifecycle',
  'credentials',
  'sweeper',
  'worker-data',
  'worker-data-trust',
  'deployer',
  'function-logs',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

const TEMPLATES = fileURLToPath(new URL('./ram-policies/', import.meta.url));

const roleName = (arn: string | undefined, fallback: string) =>
  /:role\/(.+)$/.exec(arn ?? '')?.[1] ?? fallback;
const withSlash = (prefix: string) => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);

export function policyVariables(settings: DeploySettings): Record<string, string> {
  const env = settings.orchestrator;
  const bucket = env.OSS_BUCKET?.trim() || '<unset: OSS_BUCKET>';
  return {
    ACCOUNT_ID: settings.accountId,
    REGION: settings.region,
    STATE_BUCKET: bucket,
    STATE_PREFIX: withSlash(env.STATE_PREFIX?.trim() || 'orchestrator/'),
    DATA_BUCKET: env.STS_BUCKET?.trim() || bucket,
    DATA_ROOT: withSlash(env.DATA_ROOT?.trim() || ''),
    FUNCTION_PREFIX: settings.functionPrefix,
    LIFECYCLE_ROLE_NAME: roleName(settings.roles.lifecycle, '<unset: FC_LIFECYCLE_ROLE_ARN>'),
    CREDENTIALS_ROLE_NAME: roleName(settings.roles.credentials, '<unset: FC_CREDENTIALS_ROLE_ARN>'),
    SWEEPER_ROLE_NAME: roleName(settings.roles.sweeper, '<unset: FC_SWEEPER_ROLE_ARN>'),
    WORKER_DATA_ROLE_NAME: roleName(env.STS_ROLE_ARN, '<unset: STS_ROLE_ARN>'),
    LOG_PROJECT: settings.log?.project ?? '<unset: FC_LOG_PROJECT>',
    LOG_STORE: settings.log?.logstore ?? '<unset: FC_LOG_STORE>',
  };
}

/** The documents this deployment needs: the Logstore grant only when logs go to one. */
export const policiesFor = (settings: DeploySettings): PolicyName[] =>
  POLICY_NAMES.filter((name) => name !== 'function-logs' || settings.log !== undefined);

/** Drops `_comment` fields, which explain a template but which RAM would refuse. */
const withoutComments = (doc: { Statement?: Record<string, unknown>[] } & Record<string, unknown>) => {
  const { _comment, ...rest } = doc;
  if (Array.isArray(rest.Statement))
    rest.Statement = rest.Statement.map(({ _comment: _, ...statement }) => statement);
  return rest;
};

/** One policy document with its placeholders filled; an unknown placeholder is an error, never left in. */
export async function renderPolicy(name: PolicyName, vars: Record<string, string>): Promise<unknown> {
  const template = await readFile(join(TEMPLATES, `${name}.json`), 'utf8');
  const rendered = template.replace(/\$\{([A-Z_]+)\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined)
      throw new Error(`ram-policies/${name}.json uses an unknown placeholder \${${key}}`);
    return JSON.stringify(value).slice(1, -1);
  });
  return withoutComments(JSON.parse(rendered));
}

/** Renders every policy into `outDir`; returns the files written. */
export async function writePolicies(settings: DeploySettings, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const vars = policyVariables(settings);
  const files: string[] = [];
  for (const name of policiesFor(settings)) {
    const file = join(outDir, `${name}.json`);
    await writeFile(file, `${JSON.stringify(await renderPolicy(name, vars), null, 2)}\n`);
    files.push(file);
  }
  return files;
}
