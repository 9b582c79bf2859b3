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

import { Hono } from 'hono';
import { NotFoundError } from '../errors';
import type { Logger, WorkerService } from '../lifecycle';
import { makeAuthorizer } from './auth';
import type { AppEnv } from './context';
import { errorResponse } from './error-handler';
import { requestGuard } from './request-guard';
import { RouteTable } from './route-table';
import { registerActivityRoute } from './routes/activity';
import { registerDeleteWorkerRoute } from './routes/delete-worker';
import { registerEnsureReadyRoute } from './routes/ensure-ready';
import { registerEventsRoute } from './routes/events';
import { registerFleetPageRoutes } from './routes/fleet-page';
import { registerIntentRoutes } from './routes/intents';
import { registerLogsRoute } from './routes/logs';
import { registerMetaRoutes } from './routes/meta';
import { registerMetricsRoute } from './routes/metrics';
import { registerReadinessRoutes } from './routes/readiness';
import { registerRotateKeyRoute } from './routes/rotate-key';
import { registerTeamRoutes } from './routes/teams';
import { registerWebhookRoutes } from './routes/webhooks';
import { registerWorkerRoutes } from './routes/workers';
import { registerHiclawV1Routes } from './v1';

export const API_VERSION = '0.1.0';

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
  const app = new Hono<AppEnv>();
  const authorize = makeAuthorizer(service);
  app.use(requestGuard(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}));
  app.use(async (c, next) => {
    c.set('authorize', authorize);
    await next();
  });
  const routes = new RouteTable(app);
  const groups = new Set(options.only ?? ['lifecycle', 'meta', 'extra']);
  if (groups.has('lifecycle')) {
    registerWorkerRoutes(routes, service);
    for (const register of [
      registerIntentRoutes,
      registerEnsureReadyRoute,
      registerDeleteWorkerRoute,
      registerActivityRoute,
      registerRotateKeyRoute,
      registerEventsRoute,
      registerLogsRoute,
    ]) {
      register(routes, service);
    }
    registerReadinessRoutes(routes, service);
    registerTeamRoutes(routes, service);
    registerWebhookRoutes(routes, service);
    registerHiclawV1Routes(routes, service, API_VERSION);
    // The fleet page and metrics read worker state: they belong with the lifecycle routes, on its function.
    registerFleetPageRoutes(routes);
    registerMetricsRoute(routes, service);
  }
  if (groups.has('extra')) options.extend?.(routes, service);
  if (groups.has('meta')) registerMetaRoutes(routes, service, API_VERSION);
  app.notFound((c) =>
    errorResponse(c, new NotFoundError(`no route ${c.req.method} ${c.req.path.slice(0, 200)}`), log),
  );
  app.onError((error, c) => errorResponse(c, error, log));
  return Object.assign(app, { routeTable: routes });
}
