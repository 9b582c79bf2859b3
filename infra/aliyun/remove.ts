/**
 * `npm run deploy:aliyun -- remove [--dry-run]`: deletes what the deploy created, in the order FC needs (the
 * custom domain's routes first, then each function's triggers, then the function, whose reserved concurrency goes
 * with it). Each resource is looked up first, so a second run (or a half-finished first one) finishes the job
 * instead of failing on "not found".
 *
 * It keeps what holds data or identity: the state bucket (records, the HMAC key in `secrets/_deployment.json`, the
 * workers' data), the RAM roles and policies, and the Logstore. Workers' SAE applications are the orchestrator's
 * to delete: `DELETE /workers/{name}` each worker before removing, or the sweeper is no longer there to do it.
 *
 * @module
 */
import type { FcApi } from './fc-api';
import { FC_FUNCTIONS, type FcFunctionName } from './function-env';
import { planTriggers } from './plan';
import type { DeploySettings } from './settings';

export interface RemovalStep {
  kind: 'custom domain' | 'trigger' | 'function';
  /** `name`, or `function/trigger` for a trigger. */
  name: string;
}

export const KEPT =
  'Kept: the state bucket (records, secrets/ with the HMAC key, workers\u2019 data), the RAM roles and ' +
  'policies, the Logstore, and any SAE application a worker still has (delete the workers first).';

export function removalSteps(settings: DeploySettings): RemovalStep[] {
  const steps: RemovalStep[] = [];
  if (settings.customDomain) steps.push({ kind: 'custom domain', name: settings.customDomain.name });
  const name = (fn: FcFunctionName) => `${settings.functionPrefix}-${fn}`;
  const triggers = planTriggers(name);
  for (const fn of FC_FUNCTIONS) {
    for (const t of triggers.filter((t) => t.functionName === name(fn)))
      steps.push({ kind: 'trigger', name: `${t.functionName}/${t.name}` });
    steps.push({ kind: 'function', name: name(fn) });
  }
  return steps;
}

export function describeRemoval(settings: DeploySettings, steps: RemovalStep[]): string {
  return [
    `FC 3.0 in ${settings.region}, account ${settings.accountId}: delete, in this order`,
    ...steps.map((s) => `  ${s.kind} ${s.name}`),
    `  ${KEPT}`,
    ...settings.missing.map((m) => `  missing or invalid: ${m}`),
  ].join('\n');
}

/** Deletes each step's resource that exists; returns one line per step (`deleted …` or `absent …`). */
export async function applyRemoval(
  steps: RemovalStep[],
  api: FcApi,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const done: string[] = [];
  const note = (line: string) => {
    done.push(line);
    log(line);
  };
  for (const step of steps) {
    if (step.kind === 'custom domain') {
      if (await api.getCustomDomain(step.name)) {
        await api.deleteCustomDomain(step.name);
        note(`deleted custom domain ${step.name}`);
      } else note(`absent custom domain ${step.name}`);
    } else if (step.kind === 'trigger') {
      const [fn, trigger] = step.name.split('/') as [string, string];
      if (await api.getTrigger(fn, trigger)) {
        await api.deleteTrigger(fn, trigger);
        note(`deleted trigger ${step.name}`);
      } else note(`absent trigger ${step.name}`);
    } else if (await api.getFunction(step.name)) {
      await api.deleteFunction(step.name);
      note(`deleted function ${step.name}`);
    } else note(`absent function ${step.name}`);
  }
  return done;
}
