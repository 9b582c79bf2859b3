/**
 * A real browser for the page tests: Debian's `chromium` (what `.ci/run` installs), driven by playwright-core,
 * which brings no browser of its own. Without one the suites skip saying why, except under `REQUIRE_BROWSER=1`
 * (set by `.ci/run`), where a missing browser fails: a CI run that skipped the browser test would prove nothing.
 */
import { access, constants } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** Where Debian and Ubuntu put it; `CHROMIUM_PATH` names another. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export type BrowserProbe = { found: true; path: string } | { found: false; reason: string };

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<BrowserProbe> {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return { found: true, path };
    } catch {}
  }
  return {
    found: false,
    reason: `no chromium at ${candidates.join(' or ')} (apt-get install chromium, or set CHROMIUM_PATH)`,
  };
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
