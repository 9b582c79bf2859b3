/**
 * The real `orchestrator` binary (`npx orchestrator`, a child process) against the real emulator on real Docker,
 * finding it as a newcomer's would: no ORCHESTRATOR_* or HICLAW_* variables, only the URL and manager key the
 * emulator keeps in its data directory.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../infra/client/document';
import { unwrap } from '../../src/client';
import { containersOf, describeWithDocker, probeDockerEngine, useTestEmulator } from '../support/emulator';

const probe = await probeDockerEngine();
const root = join(__dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describeWithDocker('the orchestrator CLI against the emulator on real Docker', probe, () => {
  const emu = useTestEmulator();

  /** `npx orchestrator …` in the checkout, with nothing but the emulator's data directory to find it by. */
  const orchestrator = (...args: string[]): Promise<Run> => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(ORCHESTRATOR_|HICLAW_)/.test(name)),
    );
    const child = spawn('npx', ['orchestrator', ...args], {
      cwd: root,
      env: { ...env, EMULATOR_DATA_DIR: emu.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => {
      run.stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      run.stderr += chunk;
    });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ ...run, code }));
    });
  };

  it('workers create alice --wait shows the progress line and ends with alice ready in a running container', async () => {
    const run = await orchestrator('workers', 'create', 'alice', '--wait');

    expect(run.stderr).toMatch(/^waiting for alice: (pending|starting) \(created\) \d+s$/m);
    expect(run.stderr).toMatch(/^alice is ready after \d+s$/m);
    expect(run.stdout).toMatch(/^phase: +ready \(ready\)$/m);
    expect(run.code).toBe(0);
    const alice = unwrap(await emu.client.GET('/workers/{name}', { params: { path: { name: 'alice' } } }));
    expect(alice.phase).toBe('ready');
    expect((await containersOf(emu.deploymentId, 'alice')).map((c) => c.State.Running)).toEqual([true]);
  }, 90_000);

  it('workers list --json prints JSON that parses, with alice ready', async () => {
    const run = await orchestrator('workers', 'list', '--json');

    expect(run.code).toBe(0);
    const { workers } = JSON.parse(run.stdout) as { workers: { name: string; phase: string }[] };
    expect(workers.map((w) => [w.name, w.phase])).toEqual([['alice', 'ready']]);
  });

  it('workers get of a worker that does not exist exits 3', async () => {
    const run = await orchestrator('workers', 'get', 'nobody');

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not found/);
  });

  it("sweep runs the emulator's sweeper once and reports it", async () => {
    const run = await orchestrator('sweep', '--json');

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ran: true, errors: 0 });
  });

  it('the emulator serves exactly the document the typed client was generated from', async () => {
    const served = await emu.call('GET', '/openapi.json');

    expect(served.json).toEqual(await buildOpenApiDocument());
  });
});
