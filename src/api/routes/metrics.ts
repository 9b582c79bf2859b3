/**
 * `GET /metrics`: Prometheus text, for a manager key only (it counts every tenant's workers).
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { collectFleet, EXPOSITION_CONTENT_TYPE, renderMetrics } from '../metrics';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse } from '../schemas';
import { readQuery } from '../validate';

/**
 * Scrapes that arrive within this window share one reading of the store (per function instance): several
 * Prometheus replicas, or a dashboard refreshing, cost one sample, not one each.
 */
const METRICS_CACHE_MS = 10_000;

export function registerMetricsRoute(routes: RouteTable, service: WorkerService): void {
  let cached: { at: number; text: Promise<string> } | undefined;
  routes.add(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Fleet metrics, Prometheus text format',
      description:
        'Workers by phase and backend, wake→ready and create→ready latency histograms from the events, sweeper runs and their store operations, credential issuances. Computed from state on request with capped reads (shared for 10 s per instance); `orchestrator_metrics_store_operations` says what an answer cost.',
      tag: 'meta',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: { description: 'Prometheus text exposition (version 0.0.4)' },
        401: { description: 'Missing or unknown key', schema: errorResponse },
        403: { description: 'Not a manager key', schema: errorResponse },
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const now = service.ctx.clock.now();
      if (!cached || now - cached.at > METRICS_CACHE_MS) {
        const text = collectFleet(service.ctx.repo).then((sample) =>
          renderMetrics(sample, service.ctx.backends.names()),
        );
        cached = { at: now, text };
        // A failed reading is not kept: the next scrape tries again.
        text.catch(() => {
          if (cached?.text === text) cached = undefined;
        });
      }
      return new Response(await cached.text, {
        status: 200,
        headers: { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store' },
      });
    },
  );
}
