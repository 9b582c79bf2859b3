/**
 * Which chromium the browser tests drive, and whether `.ci/run` installs one: both ask
 * infra/browser/find-chromium.sh, so CI cannot install a browser the test then does not find.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium } from '../support/browser';

/** A directory holding an executable named `name`, as a PATH entry. */
async function binDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'find-chromium-'));
  await writeFile(join(dir, name), '#!/bin/sh\n');
  await chmod(join(dir, name), 0o755);
  return dir;
}

describe('finding chromium', () => {
  it('finds chromium-browser (Ubuntu) on the PATH, wherever the PATH puts it', async () => {
    const dir = await binDir('chromium-browser');

    expect(await findChromium({ PATH: dir })).toEqual({ found: true, path: join(dir, 'chromium-browser') });
  });

  it('finds none on a PATH without one, and says how to get one', async () => {
    const dir = await binDir('firefox');

    const probe = await findChromium({ PATH: dir });

    expect(probe).toMatchObject({ found: false, reason: expect.stringMatching(/apt-get install chromium/) });
  });

  it('takes CHROMIUM_PATH before the PATH', async () => {
    const dir = await binDir('my-chromium');

    const probe = await findChromium({
      PATH: await binDir('chromium'),
      CHROMIUM_PATH: join(dir, 'my-chromium'),
    });

    expect(probe).toEqual({ found: true, path: join(dir, 'my-chromium') });
  });

  it('is what .ci/run asks before installing chromium, and it installs the font on its own', async () => {
    const ci = await readFile(join(__dirname, '../../.ci/run'), 'utf8');

    expect(ci).toMatch(/^sh infra\/browser\/find-chromium\.sh >\/dev\/null \|\| missing\+=\(chromium\)$/m);
    expect(ci).toMatch(/^\[ -e \S+DejaVuSans\.ttf \] \|\| missing\+=\(fonts-dejavu-core\)$/m);
  });
});
