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

import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '../errors';
import type { Logger, WorkerService } from '../lifecycle';
import { makeAuthorizer } from './auth';
import type { AppEnv } from './context';
import { errorResponse } from './error-handler';
import { idempotencyKeys } from './idempotency';
import { requestGuard } from './request-guard';
import { requestLog } from './request-log';
import { RouteTable } from './route-table';
import { registerActivityRoute } from './routes/activity';
import { credentialRouteSpecs } from './routes/credentials';
import { registerDeleteWorkerRoute } from './routes/delete-worker';
import { registerEnsureReadyRoute } from './routes/ensure-ready';
import { registerEventsRoute } from './routes/events';
import { registerFleetActionRoutes } from './routes/fleet-actions';
import { registerFleetPageRoutes } from './routes/fleet-page';
import { registerIntentRoutes } from './routes/intents';
import { registerLogsRoute } from './routes/logs';
import { registerMetaRoutes } from './routes/meta';
import { registerMetricsRoute } from './routes/metrics';
import { registerReadinessRoutes } from './routes/readiness';
import { registerRootRoute } from './routes/root';
import { registerRotateKeyRoute } from './routes/rotate-key';
import { registerScheduleRoutes } from './routes/schedules';
import { registerTeamRoutes } from './routes/teams';
import { registerWebhookRoutes } from './routes/webhooks';
import { registerWorkerRoutes } from './routes/workers';
import { registerHiclawV1Routes } from './v1';
import { zodToValidationError } from './validate';

export const API_VERSION = '0.1.0';

const CREDENTIALS_ELSEWHERE =
  'Served by the credentials function, behind the same base URL (on the emulator, by this one).';

/** A route file: registers its routes on the table. */
type RouteFile = (routes: RouteTable, service: WorkerService) => void;

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
const META_ROUTE_FILES: RouteFile[] = [
  (routes, service) => registerMetaRoutes(routes, service, API_VERSION),
  registerRootRoute,
];

export interface AppOptions {
  service: WorkerService;
  /** Extra routes (the credentials function adds `/credentials/sts`). */
  extend?: (routes: RouteTable, service: WorkerService) => void;
  /** Which route groups this function serves; default all. */
  only?: ('lifecycle' | 'meta' | 'extra')[];
  /** Host names this API answers to (DNS-rebinding guard); unset = any. */
  allowedHosts?: readonly string[];
}

export function createApp(options: AppOptions) {
  const { service } = options;
  const log: Logger = service.ctx.log;
  const app = new OpenAPIHono<AppEnv>({
    // Only for a route declared with `app.openapi()`: the house readers validate every route of the table.
    defaultHook: (result) => {
      if (!result.success)
        throw zodToValidationError(result.error, result.target === 'json' ? 'body' : result.target);
    },
  });
  const authorize = makeAuthorizer(service);
  // First, so every answer (a refusal of the guard's included) has an id and a log line.
  app.use(requestLog(log));
  app.use(requestGuard(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}));
  app.use(async (c, next) => {
    c.set('authorize', authorize);
    await next();
  });
  app.use(idempotencyKeys(service));
  const routes = new RouteTable(app);
  const groups = new Set(options.only ?? ['lifecycle', 'meta', 'extra']);
  if (groups.has('lifecycle')) for (const register of LIFECYCLE_ROUTE_FILES) register(routes, service);
  if (groups.has('extra')) options.extend?.(routes, service);
  if (groups.has('meta')) for (const register of META_ROUTE_FILES) register(routes, service);
  // The credentials function answers behind the same base URL: the lifecycle's document describes it too.
  if (groups.has('lifecycle')) {
    for (const spec of credentialRouteSpecs) routes.documentElsewhere(spec, CREDENTIALS_ELSEWHERE);
  }
  app.notFound((c) =>
    errorResponse(c, new NotFoundError(`no route ${c.req.method} ${c.req.path.slice(0, 200)}`), log),
  );
  app.onError((error, c) => errorResponse(c, error, log));
  return Object.assign(app, { routeTable: routes });
}
