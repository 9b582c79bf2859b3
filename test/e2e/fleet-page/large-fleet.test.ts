/**
 * The fleet page in chromium against an in-process orchestrator with more workers than one listing page (no Docker
 * needed): a filter finds workers past the first page, a listing cut short says so, and an open page reads the
 * fleet every 10 s and `/metrics` about once a minute, not every few seconds.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MANAGER_KEY, makeApp } from '../../support/app-harness';
import { serveApp } from '../../support/app-server';
import { CHROMIUM_ARGS, describeWithBrowser, findChromium } from '../../support/browser';
import { until } from '../../support/emulator';

const probe = await findChromium();
/** More than the page's 200 names per request; the label `late` only on names past the first 200. */
const FLEET = 250;
const LATE = ['w-240', 'w-245', 'w-249'];

describeWithBrowser('the fleet page with a fleet larger than one page', probe, (executablePath) => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  const requests: string[] = [];

  beforeAll(async () => {
    const h = await makeApp();
    for (let i = 0; i < FLEET; i++) {
      const name = `w-${String(i).padStart(3, '0')}`;
      const labels = LATE.includes(name) ? { tier: 'late' } : {};
      expect((await h.call('POST', '/workers', { body: { name, labels } })).status).toBe(201);
    }
    server = await serveApp(h.app);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page) {
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/ui`);
    await page.fill('#key', MANAGER_KEY);
    await page.click('#signin button[type=submit]');
    await page.locator('tr[data-worker]').first().waitFor({ timeout: 10_000 });
  }

  const shown = (page: Page) =>
    page.locator('tr[data-worker]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.worker));

  it('finds the workers a label filter matches past the first 200 names', async () => {
    const page = await browser.newPage();
    await signIn(page);

    await page.fill('#filter-label', 'tier=late');
    await page.click('#filters button[type=submit]');

    await until(
      () => shown(page),
      (names) => names.join() === LATE.join(),
      'the three late workers are shown',
    );
    expect(await page.textContent('#status')).toMatch(/^3 worker\(s\) ·/);
    await page.close();
  });

  it('says it shows only some when it stopped before the end of the listing', async () => {
    const page = await browser.newPage();
    await signIn(page);

    await until(
      () => page.textContent('#status'),
      (status) => /^showing 200 worker\(s\); more not read/.test(status ?? ''),
      'the status says more were not read',
    );
    expect(await page.locator('tr[data-worker]').count()).toBe(200);
    await page.close();
  });

  it('reads the fleet every 10 s and /metrics about once a minute while open', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    await signIn(page);
    requests.length = 0;

    // Two minutes of page time, in 5 s steps with a real pause for each step's requests to finish.
    for (let step = 0; step < 24; step++) {
      await page.clock.runFor(5000);
      await page.waitForTimeout(50);
    }

    const lists = requests.filter((path) => path === '/workers').length;
    const scrapes = requests.filter((path) => path === '/metrics').length;
    expect(lists).toBeGreaterThanOrEqual(10);
    expect(lists).toBeLessThanOrEqual(13);
    expect(scrapes).toBeLessThanOrEqual(2);
    await page.close();
  }, 60_000);
});
