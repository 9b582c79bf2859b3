/**
 * The route registry: each route is declared once, with its zod schemas and access rule, through
 * `@hono/zod-openapi` (`createRoute` + the app's OpenAPI registry). The same declaration mounts the handler in
 * Hono and writes `/openapi.json`, so the two cannot drift apart.
 *
 * Requests are validated by the handlers' own readers (`validate.ts`), not by the generated validators: those
 * readers cap a streamed body before buffering it (413), refuse `__proto__` keys and repeated query parameters,
 * and give HiClaw's `/api/v1` its own error shape. A route declared with `app.openapi()` directly still gets the
 * house error shape: the app's `defaultHook` turns a failed validation into the same 400 naming the field.
 *
 * Adding a route file: write `registerXRoutes(routes: RouteTable, service)` calling `routes.add(spec, handler)`
 * for each route, and add it to the list of its group in `app.ts` (one line).
 *
 * @module
 */

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { Principal } from '../lifecycle';
import type { Access, AppEnv } from './context';
import { ACCESS_WORDS, API_TAGS, SECURITY_SCHEME } from './document-info';
import { errorResponse, workerName } from './schemas';

export type { Access } from './context';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** The media type of `schema`; JSON unless said. */
  type?: string;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI-style path: `/workers/{name}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  /**
   * `ignored`: this route passes `Idempotency-Key` by (see `idempotency.ts`): an answer that is all secret, where
   * replaying it would hand out expired credentials and storing its key would need state the route may not touch.
   */
  idempotencyKey?: 'ignored';
  /** The precondition header this route honours (`etag.ts`): documented with its 412 answer. */
  conditional?: 'if-match' | 'if-none-match';
}

const IDEMPOTENCY_KEY_HEADER = z.string().max(255).optional().meta({
  description:
    'The same key with the same request answers the first answer again for 24 h (secrets left out); with another request, 422 `idempotency_key_reused`; while the first is still running, 409 `in_progress`',
  example: '5f0c9a1e-2b7d-4c1e-9a55-0d8e6b7c3f21',
});
const IF_MATCH_HEADER = z.string().optional().meta({
  description: 'Act only if the worker is still at this version (its `ETag`); else 412 `precondition_failed`',
  example: '"7.0f8c2b4e"',
});
const IF_NONE_MATCH_HEADER = z.string().optional().meta({
  description: '`*`: create only if no worker of this name exists; else 412 `precondition_failed`',
  example: '*',
});

/** The request headers a spec documents: `Idempotency-Key` on every POST and DELETE it honours, its precondition. */
function headersOf(spec: RouteSpec) {
  const headers: Record<string, z.ZodType> = {};
  if ((spec.method === 'post' || spec.method === 'delete') && spec.idempotencyKey !== 'ignored')
    headers['Idempotency-Key'] = IDEMPOTENCY_KEY_HEADER;
  if (spec.conditional === 'if-match') headers['If-Match'] = IF_MATCH_HEADER;
  if (spec.conditional === 'if-none-match') headers['If-None-Match'] = IF_NONE_MATCH_HEADER;
  return Object.keys(headers).length ? { headers: z.object(headers) } : {};
}

export type Handler = (c: Context<AppEnv>, principal: Principal) => Promise<Response> | Response;

/** A path parameter: a worker or team name (by the path it is in), or a key id. */
const pathParameter = (path: string, name: string) => {
  if (path.startsWith('/schedules/'))
    return workerName.meta({ description: 'The label schedule’s id', example: 'office-hours' });
  if (name === 'id') return z.string().meta({ description: 'The key’s id', example: 'k1a2b3' });
  const team = name === 'team' || path.startsWith('/api/v1/teams/') || path.startsWith('/teams/');
  return workerName.meta(
    team
      ? { description: 'The team name', example: 'research' }
      : { description: 'The worker name', example: 'alice' },
  );
};

/** The `createRoute` declaration of a spec: what `@hono/zod-openapi` documents. */
function toRoute(spec: RouteSpec, servedBy?: string) {
  const names = [...spec.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!);
  const access = ACCESS_WORDS[spec.access];
  return createRoute({
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    description: [spec.description, `**Access:** ${access}.`, servedBy].filter(Boolean).join('\n\n'),
    tags: [spec.tag],
    ...(spec.access === 'public' ? { security: [] } : {}),
    'x-access': spec.access,
    request: {
      ...(names.length
        ? {
            params: z.object(Object.fromEntries(names.map((name) => [name, pathParameter(spec.path, name)]))),
          }
        : {}),
      ...(spec.query instanceof z.ZodObject ? { query: spec.query } : {}),
      ...headersOf(spec),
      ...(spec.body
        ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } }
        : {}),
    },
    responses: Object.fromEntries(
      Object.entries<ResponseSpec>({
        ...spec.responses,
        ...(spec.conditional && !spec.responses[412]
          ? {
              412: {
                description: 'The worker is not at the version the precondition names',
                schema: errorResponse,
              },
            }
          : {}),
      }).map(([code, response]) => [
        code,
        {
          description: response.description,
          ...(response.schema
            ? { content: { [response.type ?? 'application/json']: { schema: response.schema } } }
            : {}),
        },
      ]),
    ),
  } as Parameters<typeof createRoute>[0]);
}

/** A spec path (`/workers/{name}/wake`) as a matcher of request paths: a parameter is one non-empty segment. */
const patternOf = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);

export class RouteTable {
  /** The routes this app serves, in declaration order. */
  readonly specs: RouteSpec[] = [];
  /** The routes declared with `idempotencyKey: 'ignored'`, as matchers of a request's method and path. */
  private readonly keyless: { method: string; pattern: RegExp }[] = [];

  constructor(private readonly app: OpenAPIHono<AppEnv>) {
    app.openAPIRegistry.registerComponent('securitySchemes', SECURITY_SCHEME.name, SECURITY_SCHEME.scheme);
  }

  add(spec: RouteSpec, handler: Handler): void {
    this.specs.push(spec);
    if (spec.idempotencyKey === 'ignored')
      this.keyless.push({ method: spec.method, pattern: patternOf(spec.path) });
    this.app.openAPIRegistry.registerPath(toRoute(spec));
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      c.set('route', spec.path);
      // Only a worker's routes name a worker ({name} is a team on /api/v1/teams/{name}).
      if (/^(\/api\/v1)?\/workers\/\{name\}/.test(spec.path)) c.set('worker', c.req.param('name'));
      const principal = await c.var.authorize(c, spec.access);
      return handler(c, principal);
    });
  }

  /** Whether the route a request goes to ignores `Idempotency-Key` (asked before routing, by the middleware). */
  ignoresIdempotencyKey(method: string, path: string): boolean {
    const m = method.toLowerCase();
    return this.keyless.some((route) => route.method === m && route.pattern.test(path));
  }

  /**
   * Documents a route that another function of the same deployment serves behind the same base URL (the
   * credentials function's `/credentials/sts`), so this function's document describes the whole API.
   */
  documentElsewhere(spec: RouteSpec, servedBy: string): void {
    if (this.specs.some((s) => s.path === spec.path && s.method === spec.method)) return;
    this.app.openAPIRegistry.registerPath(toRoute(spec, servedBy));
  }

  /**
   * The OpenAPI 3.1 document. Its one server is `/`, relative to where the document is served: every platform
   * serves the API at the root of its base URL (API Gateway's `$default` stage, FC's HTTP trigger, the emulator),
   * and a relative URL keeps the document the same for every caller and host name.
   */
  openApi(info: { title: string; version: string; description: string }): Record<string, unknown> {
    return this.app.getOpenAPI31Document({
      openapi: '3.1.0',
      info,
      servers: [{ url: '/', description: 'This orchestrator: the base URL this document was fetched from' }],
      tags: API_TAGS,
      security: [{ [SECURITY_SCHEME.name]: [] }],
    }) as unknown as Record<string, unknown>;
  }
}
