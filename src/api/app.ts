/**
 * The HTTP application: a Hono app over the lifecycle service. It knows HTTP, not clouds; every platform entry
 * (Lambda, FC, workerd) wraps this same app.
 *
 * @example
 * const app = createApp({ service });
 * const res = await app.request('/healthz');
 *
 * @module
 */

import { API_VERSION, type AppOptions, buildApp, type RouteFile } from './app-base';
import { registerActivityRoute } from './routes/activity';
import { credentialRouteSpecs } from './routes/credentials';
import { registerDeleteWorkerRoute } from './routes/delete-worker';
import { registerEnsureReadyRoute } from './routes/ensure-ready';
import { registerEventsRoute } from './routes/events';
import { registerFleetActionRoutes } from './routes/fleet-actions';
import { registerFleetPageRoutes } from './routes/fleet-page';
import { registerIntentRoutes } from './routes/intents';
import { registerLogsRoute } from './routes/logs';
import { registerMetricsRoute } from './routes/metrics';
import { registerReadinessRoutes } from './routes/readiness';
import { registerRotateKeyRoute } from './routes/rotate-key';
import { registerScheduleRoutes } from './routes/schedules';
import { registerTeamRoutes } from './routes/teams';
import { registerWebhookRoutes } from './routes/webhooks';
import { registerWorkerRoutes } from './routes/workers';
import { registerHiclawV1Routes } from './v1';

export { API_VERSION, type App, type AppOptions } from './app-base';

const CREDENTIALS_ELSEWHERE =
  'Served by the credentials function, behind the same base URL (on the emulator, by this one).';

/**
 * The route files of each group, in the order they are documented. Adding a route file is one line here: export
 * `registerXRoutes(routes, service)` from it and list it in its group.
 */
const LIFECYCLE_ROUTE_FILES: RouteFile[] = [
  registerWorkerRoutes,
  // Before the per-worker routes, which would take /workers/actions/wake as the wake of a worker named `actions`.
  registerFleetActionRoutes,
  registerIntentRoutes,
  registerEnsureReadyRoute,
  registerDeleteWorkerRoute,
  registerActivityRoute,
  registerRotateKeyRoute,
  registerEventsRoute,
  registerLogsRoute,
  registerReadinessRoutes,
  registerTeamRoutes,
  registerWebhookRoutes,
  registerScheduleRoutes,
  (routes, service) => registerHiclawV1Routes(routes, service, API_VERSION),
  // The fleet page and metrics read worker state: they belong with the lifecycle routes, on its function.
  registerFleetPageRoutes,
  registerMetricsRoute,
];
/** Every route group: the lifecycle's routes, and the description of the credentials function's. */
export function createApp(options: AppOptions) {
  return buildApp(options, (routes, service) => {
    for (const register of LIFECYCLE_ROUTE_FILES) register(routes, service);
    // The credentials function answers behind the same base URL: the lifecycle's document describes it too.
    for (const spec of credentialRouteSpecs) routes.documentElsewhere(spec, CREDENTIALS_ELSEWHERE);
  });
}
