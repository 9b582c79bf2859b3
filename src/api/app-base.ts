/**
 * What every function's HTTP app shares: the request id and log line, the request guard, the authorizer, the
 * idempotency keys, the route table, the meta routes (health, the OpenAPI document, `/docs`) and the error
 * mapping. `app.ts` adds the lifecycle's routes on top; `credentials-app.ts` only `/credentials/sts`, so the
 * credentials function's bundle imports no lifecycle route (esbuild keeps every imported module's zod schemas).
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
import { registerMetaRoutes } from './routes/meta';
import { registerRootRoute } from './routes/root';
import { zodToValidationError } from './validate';

export const API_VERSION = '0.1.0';

/** A route file: registers its routes on the table. */
export type RouteFile = (routes: RouteTable, service: WorkerService) => void;

const META_ROUTE_FILES: RouteFile[] = [
  (routes, service) => registerMetaRoutes(routes, service, API_VERSION),
  registerRootRoute,
];

export type RouteGroup = 'lifecycle' | 'meta' | 'extra';

export interface AppOptions {
  service: WorkerService;
  /** Extra routes (the credentials function adds `/credentials/sts`). */
  extend?: (routes: RouteTable, service: WorkerService) => void;
  /** Which route groups this function serves; default all. */
  only?: RouteGroup[];
  /** Host names this API answers to (DNS-rebinding guard); unset = any. */
  allowedHosts?: readonly string[];
}

/** The app with its middleware, the given groups' routes (`lifecycle` registered by the caller) and error mapping. */
export function buildApp(options: AppOptions, registerLifecycle?: RouteFile) {
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
  const routes = new RouteTable(app);
  app.use(idempotencyKeys(service, (method, path) => routes.ignoresIdempotencyKey(method, path)));
  const groups = new Set(options.only ?? ['lifecycle', 'meta', 'extra']);
  if (groups.has('lifecycle')) registerLifecycle?.(routes, service);
  if (groups.has('extra')) options.extend?.(routes, service);
  if (groups.has('meta')) for (const register of META_ROUTE_FILES) register(routes, service);
  app.notFound((c) =>
    errorResponse(c, new NotFoundError(`no route ${c.req.method} ${c.req.path.slice(0, 200)}`), log),
  );
  app.onError((error, c) => errorResponse(c, error, log));
  return Object.assign(app, { routeTable: routes });
}

export type App = ReturnType<typeof buildApp>;
