/**
 * Public routes: health, the OpenAPI document and a page that renders it.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { bearerToken } from '../../lifecycle';
import { DOCS_HTML } from '../docs-page';
import type { RouteTable } from '../route-table';
import { emptyQuery, healthResponse } from '../schemas';
import { readQuery } from '../validate';

/** Measuring skew costs a store write; do it at most once a minute per function instance. */
const SKEW_PROBE_INTERVAL_MS = 60_000;
/** Backend health checks are cloud API calls; one per 30 s per function instance is plenty. */
const BACKEND_HEALTH_CACHE_MS = 30_000;

type BackendHealthRow = { name: string; ok: boolean; message: string };

async function checkBackends(service: WorkerService): Promise<BackendHealthRow[]> {
  const { backends } = service.ctx;
  const checked = await Promise.all(
    backends.all().map(async (backend) => {
      const health = await backend.health().catch(() => ({ ok: false, message: 'health check failed' }));
      return { name: backend.name, ...health };
    }),
  );
  return [...checked, ...backends.problems().map(([name, message]) => ({ name, ok: false, message }))];
}

async function isManager(service: WorkerService, header: string | undefined): Promise<boolean> {
  try {
    return (await service.authenticate(bearerToken(header))).kind === 'manager';
  } catch {
    return false;
  }
}

export function registerMetaRoutes(routes: RouteTable, service: WorkerService, version: string): void {
  let skew: { measuredAt: number; ms: number } | undefined;
  let backendHealth: { at: number; results: Promise<BackendHealthRow[]> } | undefined;

  routes.add(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Health: store, backends, auth mode, clock skew',
      tag: 'meta',
      access: 'public',
      query: emptyQuery,
      responses: {
        200: { description: 'Healthy', schema: healthResponse },
        503: { description: 'Store unreachable', schema: healthResponse },
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const { ctx } = service;
      const now = ctx.clock.now();
      let store = { kind: ctx.repo.store.kind, ok: true, message: 'reachable' };
      let deploymentId: string | null = null;
      try {
        deploymentId = (await ctx.deployment()).deployment_id;
        if (!skew || now - skew.measuredAt > SKEW_PROBE_INTERVAL_MS) {
          skew = { measuredAt: now, ms: await measureSkew(service, now) };
        }
      } catch {
        store = { kind: ctx.repo.store.kind, ok: false, message: 'unreachable or refusing requests' };
      }
      // Health checks call cloud APIs that are rate limited per account: an anonymous caller must not be able to
      // spend that budget, so results are cached, and their messages (which may name accounts or roles) are shown
      // only to a manager.
      if (!backendHealth || now - backendHealth.at > BACKEND_HEALTH_CACHE_MS) {
        // The promise itself is cached, so concurrent requests share one round of checks.
        backendHealth = { at: now, results: checkBackends(service) };
      }
      const detailed = await isManager(service, c.req.header('authorization'));
      const backends = (await backendHealth.results).map((b) =>
        detailed ? b : { name: b.name, ok: b.ok, message: b.ok ? 'available' : 'unavailable' },
      );
      const ok = store.ok;
      return c.json(
        {
          ok,
          version,
          store,
          backends,
          auth: service.auth.mode,
          clock_skew_ms: store.ok && skew ? skew.ms : null,
          deployment_id: deploymentId,
        },
        ok ? 200 : 503,
      );
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'meta',
      access: 'public',
      responses: { 200: { description: 'The document' } },
    },
    (c) => c.json(routes.openApi({ title: 'Worker lifecycle orchestrator', version }), 200),
  );

  routes.add(
    {
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'A page that renders /openapi.json',
      tag: 'meta',
      access: 'public',
      responses: { 200: { description: 'HTML' } },
    },
    (c) => c.html(DOCS_HTML, 200),
  );
}

/** Writes a probe and compares the store's `lastModified` with our clock (positive: we are ahead). */
async function measureSkew(service: WorkerService, before: number): Promise<number> {
  const { store } = service.ctx.repo;
  await store.put('meta/clock-probe', JSON.stringify({ at: before }));
  const after = service.ctx.clock.now();
  const page = await store.list('meta/clock-probe', { limit: 1 });
  const stamped = page.keys.find((k) => k.key === 'meta/clock-probe')?.lastModified;
  if (stamped === undefined) return 0;
  // Object stores stamp whole seconds; compare against the middle of our request window.
  return Math.round((before + after) / 2 - stamped);
}
