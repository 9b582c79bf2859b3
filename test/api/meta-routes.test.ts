/**
 * The public entry points a newcomer meets first: `/`, `/docs` and the document each function serves.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import { makeApp } from '../support/app-harness';

describe('GET /', () => {
  it('sends a browser to the API reference', async () => {
    const h = await makeApp();
    const response = await h.app.request('/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!, 'http://h/').pathname).toBe('/docs');
  });

  it('tells any other client where the reference, the document and the health check are', async () => {
    const h = await makeApp();
    const root = await h.call('GET', '/', { key: null });
    expect(root.status).toBe(200);
    expect(root.json).toMatchObject({ docs: '/docs', openapi: '/openapi.json', health: '/healthz' });
  });
});

describe('/docs', () => {
  it('is Swagger UI over openapi.json, its files from this origin under a strict CSP', async () => {
    const h = await makeApp();
    const page = await h.call('GET', '/docs', { key: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('src="docs/swagger-ui-bundle.js"');
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await h.call('GET', '/docs/app.js', { key: null });
    expect(script.text).toContain("url: 'openapi.json'");
  });

  it('serves Swagger UI’s own files, unchanged from the installed package', async () => {
    const h = await makeApp();
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const served = await h.call('GET', `/docs/${file}`, { key: null });
      expect(served.status).toBe(200);
      expect(served.text).toBe(await readFile(require.resolve(`swagger-ui-dist/${file}`), 'utf8'));
    }
  });
});

describe('the document of the lifecycle function', () => {
  it('describes POST /credentials/sts, which the credentials function serves behind the same URL', async () => {
    const h = await makeApp();
    const lifecycle = createApp({ service: h.service, only: ['lifecycle', 'meta'] });
    const doc = (await (await lifecycle.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { description: string }>>;
    };
    expect(doc.paths['/credentials/sts']?.post?.description).toContain('Served by the credentials function');
    expect(doc.paths['/api/v1/credentials/sts']?.post).toBeDefined();
    // Documented, not served: this function answers the route with a 404.
    expect((await lifecycle.request('/credentials/sts', { method: 'POST' })).status).toBe(404);
  });

  it('describes it once, as served, where the same function serves it (the emulator)', async () => {
    const h = await makeApp();
    const all = createApp({
      service: h.service,
      extend: (routes, service) => registerCredentialRoutes(routes, service, undefined),
    });
    const doc = (await (await all.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { description: string }>>;
    };
    expect(doc.paths['/credentials/sts']?.post?.description).not.toContain(
      'Served by the credentials function',
    );
  });
});
