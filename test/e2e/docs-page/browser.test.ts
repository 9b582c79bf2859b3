/**
 * The API reference (`/docs`) in a real browser: Debian's chromium, driven by playwright-core, against the emulator
 * (the workerd bundle, so Swagger UI's files come through the same bundling as on the clouds) with the fake backend,
 * so no Docker engine is needed. The page shows the operations, its search narrows them, a key typed into its
 * Authorize box lets "Try it out" call the API, and no request of the page leaves loopback.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, describeWithBrowser, findChromium } from '../../support/browser';
import { startTestEmulator, type TestEmulator } from '../../support/emulator';

const browserProbe = await findChromium();

describeWithBrowser('the API reference in chromium', browserProbe, (executablePath) => {
  let emu: TestEmulator;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator({ vars: { BACKENDS: 'fake' } });
    const created = await emu.client.POST('/workers', { body: { name: 'docs-alice' } });
    expect(created.response.status).toBe(201);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 120_000);

  const visiblePaths = () =>
    page
      .locator('.opblock-summary-path')
      .evaluateAll((nodes) =>
        nodes.map((node) =>
          (node.getAttribute('data-path') ?? node.textContent ?? '').replace(/\u200b/g, ''),
        ),
      );

  afterAll(async () => {
    await browser?.close();
    await emu?.stop();
  });

  it('is served compressed by workerd without miniflare’s internal note about it, and with a request id', async () => {
    const response = await fetch(`${emu.url}/openapi.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect([...response.headers.keys()].filter((name) => name.startsWith('mf-'))).toEqual([]);
  });

  it('renders every operation of the document, from files this orchestrator serves', async () => {
    await page.goto(`${emu.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    const document = (await emu.call('GET', '/openapi.json')).json as { paths: Record<string, object> };
    const operations = Object.values(document.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await visiblePaths()).toContain('/workers/{name}/ensure-ready');
    expect(await page.locator('button.authorize').count()).toBeGreaterThan(0);
  }, 60_000);

  it('narrows the operations to a search over paths and summaries, not only tag names', async () => {
    const search = page.locator('.operation-filter-input');
    // Swagger UI's own filter matches tag names only: no tag holds this phrase, so it would show nothing.
    await search.fill('ensure-ready');
    await expect
      .poll(async () => (await visiblePaths()).sort())
      .toEqual(
        [
          '/workers/{name}/ensure-ready',
          '/api/v1/workers/{name}/ensure-ready',
          '/workers/actions/ensure-ready',
        ].sort(),
      );
    await search.fill('');
    await expect.poll(() => page.locator('.opblock').count()).toBeGreaterThan(10);
  }, 60_000);

  it('tries an operation with the key typed into its Authorize box', async () => {
    await page.locator('button.authorize').first().click();
    await page.locator('.auth-container input').first().fill(emu.managerKey);
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('button.btn-done').click();

    const operation = page.locator('#operations-workers-getWorker');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('input[placeholder="name"]').fill('docs-alice');
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain('200');
    await expect
      .poll(() => operation.locator('.live-responses-table .microlight').first().textContent())
      .toContain('docs-alice');
  }, 60_000);

  it('made no request beyond loopback, and ran without an error or a CSP violation', () => {
    expect(requests.length).toBeGreaterThan(3);
    const away = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return protocol !== 'data:' && hostname !== '127.0.0.1';
    });
    expect(away).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
