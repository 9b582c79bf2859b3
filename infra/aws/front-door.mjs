/**
 * The `frontDoor` param, applied by the local plugin before packaging (serverless variables cannot add or drop
 * events): `httpApi` (the default) leaves serverless.yml as written; `functionUrl` serves the functions through
 * Lambda function URLs instead of API Gateway (README, "The front door").
 *
 * With function URLs each function that has routes gets its own URL (auth NONE: the app checks every request's
 * bearer key), the gateway's routes, stage throttles, access logs and 5xx alarm go, and the alarm counts the
 * URLs' 5xx instead. The lifecycle function answers ensure-ready at once (`ENSURE_READY_MAX_SECONDS=0`, 200 or
 * 202 + Retry-After): nothing routes that path to the ensureReady function any more, which keeps its own URL and
 * reserved concurrency for callers that wait. `orchestratorUrl` is required: a function cannot be handed its own
 * URL in CloudFormation (the URL depends on the function, a cycle), so the URL workers use is given, either the
 * lifecycle URL from a first deploy (output `LifecycleLambdaFunctionUrl`) or a CloudFront distribution or domain
 * in front, which is also the only way workers reach `/credentials/sts` under that one URL.
 */

export const FRONT_DOORS = ['httpApi', 'functionUrl'];

/** The functions whose routes the lifecycle function URL would otherwise serve with a wait. */
const WAITS_ELSEWHERE = 'lifecycle';

const urlMetric = (id, fn, name) => ({
  Id: id,
  ReturnData: false,
  MetricStat: {
    Metric: {
      Namespace: 'AWS/Lambda',
      MetricName: name,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
    },
    Period: 60,
    Stat: 'Sum',
  },
});

/**
 * Applies `frontDoor` to the resolved service; returns the problems that refuse packaging (none: applied).
 * `service` is osls's `serverless.service` (functions, provider, resources as resolved).
 */
export function applyFrontDoor(service, { frontDoor, orchestratorUrl }) {
  if (!FRONT_DOORS.includes(frontDoor)) {
    return [`frontDoor (FRONT_DOOR) must be ${FRONT_DOORS.join(' or ')}, got ${JSON.stringify(frontDoor)}`];
  }
  if (frontDoor === 'httpApi') return [];
  if (!String(orchestratorUrl ?? '').trim()) {
    return [
      'frontDoor functionUrl needs orchestratorUrl (ORCHESTRATOR_URL), the URL workers are given: a function ' +
        'cannot be handed its own function URL in CloudFormation. Use the lifecycle URL of a first deploy ' +
        '(output LifecycleLambdaFunctionUrl) or a CloudFront distribution or domain in front of the URLs',
    ];
  }
  const routed = [];
  for (const [name, fn] of Object.entries(service.functions ?? {})) {
    const events = fn.events ?? [];
    if (!events.some((event) => event.httpApi)) continue;
    fn.events = events.filter((event) => !event.httpApi);
    fn.url = true;
    routed.push(name);
  }
  const lifecycle = service.functions?.[WAITS_ELSEWHERE];
  if (lifecycle) lifecycle.environment = { ...lifecycle.environment, ENSURE_READY_MAX_SECONDS: '0' };
  service.provider.environment = { ...service.provider.environment, ORCHESTRATOR_URL: orchestratorUrl };
  if (service.provider.logs) delete service.provider.logs.httpApi;
  delete service.provider.httpApi;
  const resources = service.resources ?? {};
  if (resources.extensions) delete resources.extensions.HttpApiStage;
  if (resources.Outputs?.OrchestratorUrl) resources.Outputs.OrchestratorUrl.Value = orchestratorUrl;
  const alarm = resources.Resources?.Api5xxRateAlarm;
  if (alarm) {
    const logical = (name) => `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction`;
    const ids = routed.map((name) => name.toLowerCase());
    alarm.Properties.AlarmDescription = alarm.Properties.AlarmDescription.replace('HTTP API', 'Function URL');
    alarm.Properties.Metrics = [
      {
        Id: 'rate',
        Expression: `IF(requests > 0, 100 * errors / requests, 0)`,
        Label: '5xx percent',
      },
      { Id: 'errors', ReturnData: false, Expression: `SUM([${ids.map((id) => `${id}5xx`).join(', ')}])` },
      { Id: 'requests', ReturnData: false, Expression: `SUM([${ids.map((id) => `${id}count`).join(', ')}])` },
      ...routed.flatMap((name, i) => [
        urlMetric(`${ids[i]}5xx`, logical(name), 'Url5xxCount'),
        urlMetric(`${ids[i]}count`, logical(name), 'UrlRequestCount'),
      ]),
    ];
  }
  return [];
}
