/**
 * The Lambda side of the HTTP functions: Hono's API Gateway adapter wants a Hono app.
 *
 * @module
 */

import { Hono } from 'hono';
import type { Orchestrator } from '../compose';

/** Hono's API Gateway adapter wants a Hono app; this one hands every request to the lazily built orchestrator. */
export function lambdaApp(orchestrator: Pick<Orchestrator, 'fetch'>): Hono {
  const app = new Hono();
  app.all('*', (c) => orchestrator.fetch(c.req.raw));
  return app;
}
