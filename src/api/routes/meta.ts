/**
 * Public routes: health, the OpenAPI document and the API reference page that renders it.
 *
 * @module
 */

import { z } from 'zod';
import type { WorkerService } from '../../lifecycle';
import { bearerToken, layout } from '../../lifecycle';
import { readJson } from '../../store/cas';
import { DOCS_PAGE_HTML, DOCS_SCRIPT, docsAssets, docsHeaders } from '../docs';
import { API_DESCRIPTION, API_TITLE } from '../document-info';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, healthResponse } from '../schemas';
import { readQuery } from '../validate';

/** Measuring skew costs a store write; do it at most once a minute per function instance. */
const SKEW_PROBE_INTERVAL_MS = 60_000;
/** Store reachability (a read) is shared by the requests of this many milliseconds. */
const STORE_REACH_CACHE_MS = 5_000;
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

type StoreReach = { ok: boolean; deploymentId: string | null };

/** Whether the store answers, by reading (never writing) the deployment record. */
async function probeReach(service: WorkerService): Promise<StoreReach> {
  try {
    const meta = await readJson<{ deployment_id: string }>(service.ctx.repo.store, layout.deployment);
    return { ok: true, deploymentId: meta?.value.deployment_id ?? null };
  } catch {
    return { ok: false, deploymentId: null };
  }
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
  // One of each probe in flight per function instance, shared by every request that arrives meanwhile.
  let skewProbe: Promise<void> | undefined;
  let reach: { at: number; result: Promise<StoreReach> } | undefined;
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
        400: { description: 'A query string was given', schema: errorResponse },
        503: { description: 'Store unreachable', schema: healthResponse },
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const { ctx } = service;
      const now = ctx.clock.now();
      const detailed = await isManager(service, c.req.header('authorization'));
      // Reachability is a read, cached briefly and shared: a crowd of anonymous callers costs one read.
      if (!reach || now - reach.at > STORE_REACH_CACHE_MS) reach = { at: now, result: probeReach(service) };
      const reached = await reach.result;
      const store = reached.ok
        ? { kind: ctx.repo.store.kind, ok: true, message: 'reachable' }
        : { kind: ctx.repo.store.kind, ok: false, message: 'unreachable or refusing requests' };
      // A manager's request may make the deployment record (once per store); an anonymous one only reads it.
      const deploymentId =
        reached.ok && detailed
          ? await ctx.deployment().then(
              (meta) => meta.deployment_id,
              () => reached.deploymentId,
            )
          : reached.deploymentId;
      // Measuring skew writes to the store: only a manager's request may cause it, never an anonymous one.
      if (reached.ok && detailed && (!skew || now - skew.measuredAt > SKEW_PROBE_INTERVAL_MS)) {
        skewProbe ??= measureSkew(service, now)
          .then((ms) => {
            skew = { measuredAt: now, ms };
          })
          .catch(() => undefined)
          .finally(() => {
            skewProbe = undefined;
          });
        await skewProbe;
      }
      // Health checks call cloud APIs that are rate limited per account: an anonymous caller must not be able to
      // spend that budget, so results are cached, and their messages (which may name accounts or roles) are shown
      // only to a manager.
      if (!backendHealth || now - backendHealth.at > BACKEND_HEALTH_CACHE_MS) {
        // The promise itself is cached, so concurrent requests share one round of checks.
        backendHealth = { at: now, results: checkBackends(service) };
      }
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
      query: emptyQuery,
      responses: {
        200: { description: 'The document', schema: openApiDocument },
        400: { description: 'A query string was given', schema: errorResponse },
      },
    },
    (c) => {
      readQuery(c, emptyQuery);
      return c.json(routes.openApi({ title: API_TITLE, version, description: API_DESCRIPTION }), 200);
    },
  );

  const page = (path: string, summary: string, type: string, body: () => Promise<string> | string) =>
    routes.add(
      {
        method: 'get',
        path,
        operationId: DOCS_OPERATION_IDS[path]!,
        summary,
        tag: 'meta',
        access: 'public',
        query: emptyQuery,
        responses: {
          200: { description: type.split(';')[0]!, schema: text, type: type.split(';')[0]! },
          400: { description: 'A query string was given', schema: errorResponse },
        },
      },
      async (c) => {
        readQuery(c, emptyQuery);
        const cache = path.startsWith('/docs/swagger-ui') ? 'an-hour' : 'no-cache';
        return new Response(await body(), { status: 200, headers: docsHeaders(type, cache) });
      },
    );
  page(
    '/docs',
    'The API reference: this document rendered (try-it, key box, search)',
    HTML,
    () => DOCS_PAGE_HTML,
  );
  page('/docs/app.js', "The API reference's start script", JS, () => DOCS_SCRIPT);
  page(
    '/docs/swagger-ui-bundle.js',
    'Swagger UI (from the installed package)',
    JS,
    async () => (await docsAssets()).script,
  );
  page('/docs/swagger-ui.css', "Swagger UI's styles", CSS, async () => (await docsAssets()).style);
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const text = z.string().meta({ description: 'The file', example: '…' });
const openApiDocument = z
  .record(z.string(), z.unknown())
  .meta({ description: 'An OpenAPI 3.1 document (this one)', example: { openapi: '3.1.0' } });
const DOCS_OPERATION_IDS: Record<string, string> = {
  '/docs': 'docs',
  '/docs/app.js': 'docsScript',
  '/docs/swagger-ui-bundle.js': 'docsSwaggerUi',
  '/docs/swagger-ui.css': 'docsSwaggerUiStyle',
};

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
