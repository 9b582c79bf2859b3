/**
 * A tiny route registry: each route is declared once with its zod schemas and access rule; the same
 * declaration validates requests in Hono and generates `/openapi.json`, so the two cannot drift apart.
 *
 * @module
 */

import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Principal } from '../lifecycle';
import { WORKER_NAME_PATTERN } from '../names';
import type { Access, AppEnv } from './context';

export type { Access } from './context';

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
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

export type Handler = (c: Context<AppEnv>, principal: Principal) => Promise<Response> | Response;

export class RouteTable {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly app: Hono<AppEnv>) {}

  add(spec: RouteSpec, handler: Handler): void {
    this.specs.push(spec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const principal = await c.var.authorize(c, spec.access);
      return handler(c, principal);
    });
  }

  /** The OpenAPI 3.1 document (JSON Schema 2020-12 from zod). */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const spec of this.specs) {
      const parameters: unknown[] = [...spec.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: name === 'id' ? { type: 'string' } : { type: 'string', pattern: WORKER_NAME_PATTERN.source },
      }));
      if (spec.query instanceof z.ZodObject) {
        for (const [name, field] of Object.entries(spec.query.shape as Record<string, z.ZodType>)) {
          parameters.push({
            name,
            in: 'query',
            required: false,
            schema: z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }),
          });
        }
      }
      const operation: Record<string, unknown> = {
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: [spec.tag],
        ...(spec.access === 'public' ? { security: [] } : {}),
        'x-access': spec.access,
        ...(parameters.length ? { parameters } : {}),
        ...(spec.body
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }),
                  },
                },
              },
            }
          : {}),
        responses: Object.fromEntries(
          Object.entries(spec.responses).map(([code, response]) => [
            code,
            {
              description: response.description,
              ...(response.schema
                ? {
                    content: {
                      'application/json': {
                        schema: z.toJSONSchema(response.schema, { unrepresentable: 'any' }),
                      },
                    },
                  }
                : {}),
            },
          ]),
        ),
      };
      paths[spec.path] = { ...(paths[spec.path] ?? {}), [spec.method]: operation };
    }
    return {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      paths,
    };
  }
}
