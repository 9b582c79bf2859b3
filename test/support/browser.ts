/**
 * A real browser for the page tests: Debian's `chromium` (what `.ci/run` installs), driven by playwright-core,
 * which brings no browser of its own. Without one the suites skip saying why, except under `REQUIRE_BROWSER=1`
 * (set by `.ci/run`), where a missing browser fails: a CI run that skipped the browser test would prove nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The one answer to "which chromium": `.ci/run` asks the same script whether to install it. */
const FIND_CHROMIUM = join(__dirname, '../../infra/browser/find-chromium.sh');

export type BrowserProbe = { found: true; path: string } | { found: false; reason: string };

export function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<BrowserProbe> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [FIND_CHROMIUM], { env }, (error, stdout) => {
      const path = stdout.trim();
      resolve(
        !error && path
          ? { found: true, path }
          : {
              found: false,
              reason: env.CHROMIUM_PATH
                ? `CHROMIUM_PATH (${env.CHROMIUM_PATH}) is not an executable`
                : 'no chromium or chromium-browser on the PATH (apt-get install chromium, or set CHROMIUM_PATH)',
            },
      );
    });
  });
}

export const browserRequired = (env: NodeJS.ProcessEnv = process.env): boolean => env.REQUIRE_BROWSER === '1';

/** A describe block that needs the browser: skipped with the reason, or a failure under REQUIRE_BROWSER=1. */
export function describeWithBrowser(title: string, probe: BrowserProbe, body: (path: string) => void): void {
  if (!probe.found && browserRequired()) {
    describe(title, () => {
      it('has a chromium to drive, as REQUIRE_BROWSER=1 requires', () => {
        expect.fail(probe.reason);
      });
    });
    return;
  }
  describe.skipIf(!probe.found)(probe.found ? title : `${title} (skipped: ${probe.reason})`, () =>
    body(probe.found ? probe.path : ''),
  );
}

/**
 * Flags for chromium in a container or CI: as root it refuses to start without `--no-sandbox`, and `/dev/shm` is
 * often too small for it.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];
