/**
 * The fleet page in a real browser (issue 16, item 4): Debian's chromium, driven by playwright-core, against the
 * emulator and a real Docker engine. Type the key, see a worker become ready, put it to sleep from the page and
 * see the event appear, wake it, delete it with confirmation; the page must run under its CSP without a single
 * violation and never put the key in a URL. Screenshots go to `test-output/fleet-page/` and their size is checked.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unwrap } from '../../../src/client';
import { CHROMIUM_ARGS, describeWithBrowser, findChromium } from '../../support/browser';
import { describeWithDocker, probeDockerEngine, until, useTestEmulator } from '../../support/emulator';

const docker = await probeDockerEngine();
const browserProbe = await findChromium();
const OUTPUT = join(__dirname, '../../../test-output/fleet-page');
const NAME = 'fleet-alice';
/** Readiness on a real engine: the container starts and reports to the emulator. */
const READY_MS = 60_000;
/** A step of the page: its waits plus a container start or stop. */
const STEP_MS = 120_000;

/** A PNG of the viewport: the signature, the width asked for, and a size that shows it is no blank page. */
async function checkScreenshot(path: string, width: number): Promise<number> {
  const png = await readFile(path);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.readUInt32BE(16)).toBe(width);
  expect(png.length).toBeGreaterThan(15_000);
  expect(png.length).toBeLessThan(3_000_000);
  return png.length;
}

describeWithDocker('the fleet page in a real browser', docker, () => {
  describeWithBrowser('the fleet page in chromium', browserProbe, (executablePath) => {
    const emu = useTestEmulator();
    let browser: Browser;
    let page: Page;
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    const requestUrls: string[] = [];
    const apiAuthorization = new Map<string, string | undefined>();

    const row = (name: string) => page.locator(`tr[data-worker="${name}"]`);
    /** The worker as the API has it (the typed client, with the manager key); undefined once it is gone. */
    const workerOf = async (name: string) =>
      (await emu.client.GET('/workers/{name}', { params: { path: { name } } })).data;
    const phaseOf = (name: string) => row(name).locator('[data-phase]').getAttribute('data-phase');

    beforeAll(async () => {
      await mkdir(OUTPUT, { recursive: true });
      // Two more workers so the table, filters and charts have something to show; one of them asleep.
      // Each waits a second before its first report. A report that arrives while the driver's start round is
      // still running is overwritten by that round (ready → starting, after which the boot never reports again);
      // this test found it in about 1 run of 5 (a wake stuck in `starting`). The fix belongs in the driver
      // (`src/lifecycle/driver/round.ts`, the start round's move from `ready`), not in the page.
      for (const [name, labels] of [
        [NAME, { app: 'demo', tier: 'web' }],
        ['fleet-bob', { app: 'demo', tier: 'batch' }],
        ['fleet-carol', { app: 'other' }],
      ] as const) {
        const created = await emu.client.POST('/workers', {
          body: { name, labels, env: { WORKER_HEALTH_CMD: 'sleep 1' } },
        });
        expect(created.response.status, JSON.stringify(created.error)).toBe(201);
      }
      await until(
        () => workerOf('fleet-carol'),
        (worker) => worker?.phase === 'ready',
        'fleet-carol is ready',
        READY_MS,
      );
      const slept = await emu.client.POST('/workers/{name}/sleep', {
        params: { path: { name: 'fleet-carol' } },
      });
      // 200 when the stop finished within the request (real Docker usually does), 202 while it is under way.
      expect([200, 202]).toContain(slept.response.status);

      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      page.on('request', (request) => {
        requestUrls.push(request.url());
        const path = new URL(request.url()).pathname;
        if (!path.startsWith('/ui')) apiAuthorization.set(path, request.headers().authorization);
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
    });

    it(
      'signs in with the key typed into the page, and shows a worker becoming ready',
      async () => {
        await page.goto(`${emu.url}/ui`);
        await page.fill('#key', emu.managerKey);
        await page.click('#signin button[type=submit]');
        await row(NAME).waitFor({ timeout: 10_000 });
        await until(
          () => phaseOf(NAME),
          (phase) => phase === 'ready',
          `${NAME} shows ready`,
          READY_MS,
        );
        await until(
          () => phaseOf('fleet-carol'),
          (phase) => phase === 'sleeping',
          'fleet-carol shows sleeping',
        );
        // The key stays in this tab's sessionStorage, and the page's URL never carries it.
        expect(await page.evaluate(() => sessionStorage.getItem('orchestrator.key'))).toBe(emu.managerKey);
        expect(page.url()).toBe(`${emu.url}/ui`);
        const shot = join(OUTPUT, 'fleet.png');
        await page.screenshot({ path: shot });
        await checkScreenshot(shot, 1280);
      },
      STEP_MS,
    );

    it(
      'filters by label and by phase',
      async () => {
        await page.fill('#filter-label', 'tier=batch');
        await page.click('#filters button[type=submit]');
        const shown = () =>
          page.locator('tr[data-worker]').evaluateAll((rows) => rows.map((r) => r.dataset.worker));
        await until(shown, (names) => names.join() === 'fleet-bob', 'only fleet-bob has tier=batch');
        await page.fill('#filter-label', '');
        await page.selectOption('#filter-phase', 'sleeping');
        await until(shown, (names) => names.join() === 'fleet-carol', 'only fleet-carol is sleeping');
        await page.selectOption('#filter-phase', '');
        await until(
          () => page.locator('tr[data-worker]').count(),
          (n) => n === 3,
          'all three workers again',
        );
      },
      STEP_MS,
    );

    it(
      'puts the worker to sleep from its detail, and shows the event in its timeline',
      async () => {
        await row(NAME).locator('button').click();
        await page.locator('#detail h2', { hasText: NAME }).waitFor();
        await page.click('#detail [data-action="sleep"]');
        await page.locator('#timeline li[data-to="sleeping"]').first().waitFor({ timeout: 30_000 });
        await until(
          () => phaseOf(NAME),
          (phase) => phase === 'sleeping',
          `${NAME} shows sleeping`,
          30_000,
        );
        // The page's click was the manager's sleep (ready → stopping); the driver finished it (→ sleeping).
        const { events } = unwrap(
          await emu.client.GET('/workers/{name}/events', { params: { path: { name: NAME } } }),
        );
        expect(events[0]).toMatchObject({ from: 'stopping', to: 'sleeping' });
        expect(events[1]).toMatchObject({
          from: 'ready',
          to: 'stopping',
          reason: 'manual',
          actor: 'manager',
        });
        await page.locator('#timeline li[data-to="stopping"][data-reason="manual"]').first().waitFor();
        const shot = join(OUTPUT, 'detail-asleep.png');
        await page.screenshot({ path: shot });
        await checkScreenshot(shot, 1280);
      },
      STEP_MS,
    );

    it(
      'wakes it again, and the wake shows in the latency chart',
      async () => {
        await page.click('#detail [data-action="wake"]');
        await until(
          () => phaseOf(NAME),
          (phase) => phase === 'ready',
          `${NAME} is ready again`,
          READY_MS,
        ).catch(async (error) => {
          // What the functions said, and the record, explain a wake that never became ready.
          console.error(emu.logs.slice(-40).join('\n'), JSON.stringify(await workerOf(NAME)));
          throw error;
        });
        // The page reads /metrics about once a minute; "Refresh now" asks at once (an answer is shared for 10 s).
        await until(
          async () => {
            await page.click('#refresh');
            await page.waitForTimeout(2000);
            return page.locator('#latency-chart figcaption').textContent();
          },
          (caption) => /\(1 wakes\)/.test(caption ?? ''),
          'the latency chart counts the wake',
          30_000,
        );
        // The whole page, timeline included: the one the README shows (docs/fleet-page.png).
        const shot = join(OUTPUT, 'detail-awake.png');
        await page.screenshot({ path: shot, fullPage: true });
        await checkScreenshot(shot, 1280);
      },
      STEP_MS,
    );

    it(
      'deletes only after the confirmation',
      async () => {
        await page.click('#detail [data-action="delete"]');
        await page.locator('#detail .confirm').waitFor();
        await page.click('#detail [data-action="cancel-delete"]');
        expect(await workerOf(NAME)).toBeDefined();
        await page.click('#detail [data-action="delete"]');
        await page.click('#detail [data-action="confirm-delete"]');
        await until(
          () => row(NAME).count(),
          (n) => n === 0,
          `${NAME} leaves the table`,
          30_000,
        );
        await until(
          () => emu.client.GET('/workers/{name}', { params: { path: { name: NAME } } }),
          (r) => r.response.status === 404,
          `${NAME} is deleted`,
          30_000,
        );
      },
      STEP_MS,
    );

    it('ran under its CSP without a violation or an error, and sent the key only as a header', () => {
      expect(cspViolations).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(requestUrls.filter((url) => url.includes(emu.managerKey))).toEqual([]);
      expect(apiAuthorization.size).toBeGreaterThan(0);
      for (const [path, header] of apiAuthorization) expect(header, path).toBe(`Bearer ${emu.managerKey}`);
    });
  });
});
