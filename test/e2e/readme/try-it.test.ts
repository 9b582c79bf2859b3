/**
 * The README's "Try it" commands, run as written: the fenced block that reads `.data/manager-key` is taken from
 * README.md and run by bash, in a directory whose `.data` is a started emulator's (the same `startEmulator` as
 * `npm start`), against the real Docker engine. Without an engine it skips saying why; under CI or
 * REQUIRE_DOCKER=1 that is a failure.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureWorkerImage } from '../../support/docker-engine';
import {
  containersOf,
  describeWithDocker,
  probeDockerEngine,
  startTestEmulator,
  type TestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();

/** The bash blocks of the README's "Try it" section, in order. */
async function tryItBlocks(): Promise<string[]> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Try it\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describeWithDocker("the README's Try it block", probe, () => {
  let dir: string;
  let emu: TestEmulator;

  beforeAll(async () => {
    // What npm start does first (infra/emulator/first-run.ts): the reference image, built when missing.
    await ensureWorkerImage();
    dir = await mkdtemp(join(tmpdir(), 'readme-try-it-'));
    emu = await startTestEmulator({ dataDir: join(dir, '.data') });
  }, 120_000);

  afterAll(async () => {
    await emu?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts with npm ci and npm start, then the commands block', async () => {
    const blocks = await tryItBlocks();
    expect(blocks).toHaveLength(2);
    expect(blocks[0]!.split('\n').filter((line) => line.trim() && !line.startsWith('#'))).toEqual([
      'npm ci',
      'npm start      # builds the reference worker image when it is missing; prints the URL and the manager key',
    ]);
  });

  it('creates alice, sees her ready, sleeps, wakes and deletes her, and prints where the API reference is', async () => {
    const commands = (await tryItBlocks())[1]!;
    for (const tool of ['curl', 'jq']) {
      const found = await promisify(execFile)('sh', ['-c', `command -v ${tool}`]).catch(() => null);
      expect(found, `${tool} is a prerequisite the README lists; install it`).not.toBeNull();
    }
    // -e and pipefail: a command of the block that fails fails the test, not only a wrong final answer.
    const { stdout } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', commands], {
      cwd: dir,
      timeout: 90_000,
    });
    const lines = stdout.trim().split('\n');

    // The create: alice, and the phase she starts in.
    expect(JSON.parse(stdout.slice(0, stdout.indexOf('}') + 1))).toMatchObject({ name: 'alice' });
    expect(lines).toContain('"ready"');
    // The events, newest first: her first boot made her ready, the sleep stopped her.
    expect(lines).toContain('starting→ready ready');
    expect(lines.some((line) => /→sleeping /.test(line) || /→stopping /.test(line))).toBe(true);
    expect(lines.at(-1)).toBe(`API reference: ${emu.url}/docs`);

    expect((await fetch(`${emu.url}/docs`)).status).toBe(200);
    expect((await emu.call('GET', '/workers/alice')).status).toBe(404);
  }, 120_000);

  it('leaves no container of alice behind', async () => {
    const deadline = Date.now() + 30_000;
    let left = await containersOf(emu.deploymentId, 'alice');
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      left = await containersOf(emu.deploymentId, 'alice');
    }
    expect(left).toEqual([]);
  }, 40_000);
});
