/**
 * The fleet page and its two assets. Public, like `/docs`: the page holds nothing until a key is typed into it,
 * and every API call it makes needs that key.
 *
 * @module
 */

import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse } from '../schemas';
import { FLEET_PAGE_HTML, FLEET_SCRIPT, FLEET_STYLE, fleetHeaders } from '../ui';
import { readQuery } from '../validate';

const ASSETS = [
  { path: '/ui', body: FLEET_PAGE_HTML, type: 'text/html; charset=utf-8', summary: 'The fleet page' },
  {
    path: '/ui/app.js',
    body: FLEET_SCRIPT,
    type: 'text/javascript; charset=utf-8',
    summary: "The fleet page's script",
  },
  {
    path: '/ui/app.css',
    body: FLEET_STYLE,
    type: 'text/css; charset=utf-8',
    summary: "The fleet page's styles",
  },
] as const;

export function registerFleetPageRoutes(routes: RouteTable): void {
  for (const asset of ASSETS) {
    routes.add(
      {
        method: 'get',
        path: asset.path,
        operationId:
          asset.path === '/ui' ? 'fleetPage' : `fleetPage${asset.path.endsWith('.js') ? 'Script' : 'Style'}`,
        summary: asset.summary,
        tag: 'meta',
        access: 'public',
        query: emptyQuery,
        responses: {
          200: { description: asset.type.split(';')[0]! },
          400: { description: 'A query string was given', schema: errorResponse },
        },
      },
      (c) => {
        // A query string is refused like on every route: nothing (a key least of all) belongs in this URL.
        readQuery(c, emptyQuery);
        return new Response(asset.body, { status: 200, headers: fleetHeaders(asset.type) });
      },
    );
  }
}
