/**
 * The FC counterpart of serverless.yml's alarms, as CloudMonitor alarm rules (`PutResourceMetricRule` parameters,
 * one per rule) rendered into `dist/aliyun/alarms.json` by every deploy and dry run. The script does not create
 * them (the deployer would need CloudMonitor rights on the whole account); apply each with
 * `aliyun cms PutResourceMetricRule --cli-input-json "$(jq -c '.[0]' dist/aliyun/alarms.json)"` (and `.[1]`…).
 *
 * Metrics are FC's function-level ones in the `acs_fc` namespace, per function (`functionName`):
 * - server errors of lifecycle, ensure-ready and credentials (FC failing the invocation; an HTTP trigger's own
 *   5xx answers are not counted by FC, so the 5xx *rate* of the API needs an SLS alert on the functions' Logstore,
 *   see the README);
 * - the sweeper's function errors (3 in 15 minutes) and its silence (no invocation in 10 minutes);
 * - throttles of any function (instances exhausted: FC answers 429).
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FC_FUNCTIONS, type FcFunctionName } from './function-env';
import type { DeploySettings } from './settings';

export interface AlarmRule {
  RuleId: string;
  RuleName: string;
  Namespace: 'acs_fc';
  MetricName: string;
  /** JSON, as CloudMonitor takes it: one object per function the rule watches. */
  Resources: string;
  Period: string;
  ContactGroups: string;
  Escalations: {
    Critical: { Statistics: 'Sum'; ComparisonOperator: string; Threshold: string; Times: number };
  };
  NoDataPolicy?: 'KEEP_LAST_STATE' | 'INSUFFICIENT_DATA' | 'OK';
}

export function alarmRules(settings: DeploySettings): AlarmRule[] {
  const name = (fn: FcFunctionName) => `${settings.functionPrefix}-${fn}`;
  const resources = (fns: readonly FcFunctionName[]) =>
    JSON.stringify(fns.map((fn) => ({ region: settings.region, functionName: name(fn) })));
  const contactGroups =
    settings.orchestrator.FC_ALARM_CONTACT_GROUP?.trim() || '<unset: FC_ALARM_CONTACT_GROUP>';
  const rule = (
    id: string,
    description: string,
    metric: string,
    fns: readonly FcFunctionName[],
    period: number,
    critical: { op: string; threshold: number; times: number },
  ): AlarmRule => ({
    RuleId: `${settings.functionPrefix}-${id}`,
    RuleName: `${settings.functionPrefix}: ${description}`,
    Namespace: 'acs_fc',
    MetricName: metric,
    Resources: resources(fns),
    Period: String(period),
    ContactGroups: contactGroups,
    Escalations: {
      Critical: {
        Statistics: 'Sum',
        ComparisonOperator: critical.op,
        Threshold: String(critical.threshold),
        Times: critical.times,
      },
    },
  });
  return [
    rule(
      'server-errors',
      'FC failed invocations of the API functions',
      'FunctionServerErrors',
      ['lifecycle', 'ensure-ready', 'credentials'],
      60,
      { op: 'GreaterThanOrEqualToThreshold', threshold: 1, times: 3 },
    ),
    rule('sweeper-errors', 'sweeper runs failed', 'FunctionFunctionErrors', ['sweeper'], 900, {
      op: 'GreaterThanOrEqualToThreshold',
      threshold: 3,
      times: 1,
    }),
    {
      ...rule(
        'sweeper-not-running',
        'the sweeper has not run for 10 minutes',
        'FunctionTotalInvocations',
        ['sweeper'],
        600,
        {
          op: 'LessThanThreshold',
          threshold: 1,
          times: 1,
        },
      ),
      // No data is the symptom here, and CloudMonitor has no policy that alarms on it: the rule shows
      // "insufficient data" instead, which the README says to watch for.
      NoDataPolicy: 'INSUFFICIENT_DATA',
    },
    rule('throttles', 'a function was throttled', 'FunctionConcurrencyThrottles', FC_FUNCTIONS, 300, {
      op: 'GreaterThanThreshold',
      threshold: 0,
      times: 1,
    }),
  ];
}

/** Writes the rules to `file`; returns how many. */
export async function writeAlarmRules(settings: DeploySettings, file: string): Promise<number> {
  const rules = alarmRules(settings);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(rules, null, 2)}\n`);
  return rules.length;
}
