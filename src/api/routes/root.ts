/**
 * `GET /`: where a newcomer lands first. A browser is sent to the API reference; anything else gets a short JSON
 * answer naming where the reference, the document and the health check are.
 *
 * @module
 */

import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, rootResponse } from '../schemas';
import { readQuery } from '../validate';

export function registerRootRoute(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/',
      operationId: 'root',
      summary: 'Where to start: the API reference',
      description:
        'A browser (`Accept: text/html`) is redirected to `/docs`; any other client gets the links as JSON.',
      tag: 'meta',
      access: 'public',
      query: emptyQuery,
      responses: {
        200: {
          description: 'Links to the reference, the document and the health check',
          schema: rootResponse,
        },
        302: { description: 'Redirect to `/docs` for a browser' },
        400: { description: 'A query string was given', schema: errorResponse },
      },
    },
    (c) => {
      readQuery(c, emptyQuery);
      // Relative, so a base path in front of the API (a gateway stage) is kept.
      if (c.req.header('accept')?.includes('text/html')) return c.redirect('docs', 302);
      return c.json(
        {
          message: 'Worker lifecycle orchestrator. The API reference is at /docs.',
          docs: '/docs',
          openapi: '/openapi.json',
          health: '/healthz',
        },
        200,
      );
    },
  );
}
