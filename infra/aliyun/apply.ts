/**
 * Applies a plan idempotently: every function, trigger and the custom domain is read first, then created when
 * absent or updated to the plan when present, so a second run converges instead of failing on "already exists".
 * A reserved concurrency (ensure-ready's) is put right after its function, before any trigger can route to it;
 * the put replaces whatever was set, so it is the same call on every run.
 *
 * The orchestrator URL (what workers are told as `HICLAW_ORCHESTRATOR_URL`) is, in order: `ORCHESTRATOR_URL`,
 * the custom domain, or the lifecycle HTTP trigger's URL. The last is known only once the trigger exists, so on a
 * first deploy the functions that hand it to workers get it in one more update, and later deploys find it first.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { FcApi } from './fc-api';
import type { DeployPlan, FunctionPlan, TriggerPlan } from './plan';

export interface ApplyResult {
  endpoint: string;
  /** One line per resource: `created function x`, `updated trigger x/http`... */
  actions: string[];
  /** Each HTTP trigger's public URL, by function name. */
  urls: Record<string, string>;
}

const functionInput = async (f: FunctionPlan, orchestratorUrl?: string) => ({
  runtime: f.runtime,
  handler: f.handler,
  cpu: f.cpu,
  memorySize: f.memorySize,
  diskSize: f.diskSize,
  timeout: f.timeout,
  role: f.roleArn,
  internetAccess: true,
  environmentVariables: withUrl(f, orchestratorUrl),
  ...(f.logConfig ? { logConfig: f.logConfig } : {}),
  code: { zipFile: (await readFile(f.zip.path)).toString('base64') },
});

/** The credentials function never hands out the URL, so it never needs it. */
const withUrl = (f: FunctionPlan, url?: string) =>
  url && f.fn !== 'credentials' ? { ...f.environment, ORCHESTRATOR_URL: url } : f.environment;

const triggerConfig = (t: TriggerPlan) => JSON.stringify(t.config);

export async function applyPlan(
  plan: DeployPlan,
  api: FcApi,
  log: (line: string) => void = () => {},
): Promise<ApplyResult> {
  const actions: string[] = [];
  const note = (line: string) => {
    actions.push(line);
    log(line);
  };
  const lifecycle = plan.functions.find((f) => f.fn === 'lifecycle')!;
  // On a redeploy the lifecycle trigger already has its URL: the functions can get it in the same update.
  let url =
    plan.orchestratorUrl ??
    ((await api.getTrigger(lifecycle.name, 'http'))?.httpTrigger as { urlInternet?: string } | undefined)
      ?.urlInternet;
  const given = new Map<string, string | undefined>();

  for (const f of plan.functions) {
    const input = await functionInput(f, url);
    if (await api.getFunction(f.name)) {
      await api.updateFunction(f.name, input);
      note(`updated function ${f.name}`);
    } else {
      await api.createFunction({ functionName: f.name, ...input });
      note(`created function ${f.name}`);
    }
    given.set(f.name, url);
    if (f.reservedConcurrency !== undefined) {
      await api.putConcurrencyConfig(f.name, f.reservedConcurrency);
      note(`set reserved concurrency ${f.reservedConcurrency} on function ${f.name}`);
    }
  }

  const urls: Record<string, string> = {};
  for (const t of plan.triggers) {
    const existing = await api.getTrigger(t.functionName, t.name);
    const trigger = existing
      ? await api.updateTrigger(t.functionName, t.name, {
          triggerConfig: triggerConfig(t),
          qualifier: 'LATEST',
        })
      : await api.createTrigger(t.functionName, {
          triggerName: t.name,
          triggerType: t.type,
          qualifier: 'LATEST',
          triggerConfig: triggerConfig(t),
        });
    note(`${existing ? 'updated' : 'created'} trigger ${t.functionName}/${t.name}`);
    const internet = (trigger.httpTrigger as { urlInternet?: string } | undefined)?.urlInternet;
    if (internet) urls[t.functionName] = internet;
  }

  if (plan.domain) {
    const d = plan.domain;
    const input = {
      protocol: d.protocol,
      routeConfig: { routes: d.routes },
      ...(d.cert ? { certConfig: d.cert } : {}),
    };
    if (await api.getCustomDomain(d.name)) {
      await api.updateCustomDomain(d.name, input);
      note(`updated custom domain ${d.name}`);
    } else {
      await api.createCustomDomain({ domainName: d.name, ...input });
      note(`created custom domain ${d.name}`);
    }
  }

  url ??= urls[lifecycle.name];
  if (!url) throw new Error(`FC returned no URL for the ${lifecycle.name} HTTP trigger`);
  // First deploy without ORCHESTRATOR_URL or a domain: hand the now-known URL to the functions that need it.
  for (const f of plan.functions) {
    if (f.fn === 'credentials' || given.get(f.name) === url) continue;
    await api.updateFunction(f.name, { environmentVariables: withUrl(f, url) });
    note(`updated function ${f.name} (ORCHESTRATOR_URL)`);
  }
  return { endpoint: url, actions, urls };
}
