/**
 * Today's HiClaw manager client (the hiclaw-controller `/api/v1` functions of container-api.sh, written from the
 * reference) against the emulator and a real Docker engine, with the reference worker image reporting as
 * `hiclaw worker report-ready --heartbeat` does: POST `/api/v1/workers/$HICLAW_WORKER_CR_NAME/ready` with
 * `HICLAW_AUTH_TOKEN` to `HICLAW_CONTROLLER_URL`. Only the wait's poll interval is shorter than HiClaw's 5 s.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureWorkerImage } from '../../support/docker-engine';
import {
  containersOf,
  describeWithDocker,
  probeDockerEngine,
  startTestEmulator,
  type TestEmulator,
  until,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('../../support/hiclaw-container-api.sh', import.meta.url));
const NAME = 'hc-w1';

describeWithDocker('the hiclaw-controller manager client (container-api.sh)', probe, () => {
  let emu: TestEmulator;

  /** Sources the client and calls one of its functions, as the manager's scripts do; returns its output and exit. */
  const client = async (fn: string, ...args: string[]) => {
    const script = `source "$0"; ${fn} "$@"`;
    try {
      const { stdout } = await run('bash', ['-c', script, CLIENT, ...args], {
        timeout: 90_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HICLAW_CONTROLLER_URL: emu.url,
          HICLAW_AUTH_TOKEN: emu.managerKey,
          HICLAW_WAIT_POLL_SECONDS: '1',
        },
      });
      return { out: stdout.trim(), ok: true };
    } catch (error) {
      return { out: String((error as { stdout?: string }).stdout ?? '').trim(), ok: false };
    }
  };

  const statusBecomes = async (wanted: string) => {
    let status = '';
    for (let tries = 0; tries < 30 && status !== wanted; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      status = (await client('worker_backend_status', NAME)).out;
    }
    return status;
  };

  const logsOf = async (id: string) => {
    const { stdout, stderr } = await run('docker', ['logs', id]);
    return stdout + stderr;
  };

  beforeAll(async () => {
    await ensureWorkerImage();
    emu = await startTestEmulator();
  }, 120_000);

  afterAll(async () => {
    await emu?.stop();
  });

  it('creates → ready → sleep → wake → ready → delete a worker exactly as the manager client does', async () => {
    expect((await client('container_api_available')).ok).toBe(true);

    const created = await client(
      'worker_backend_create',
      JSON.stringify({ name: NAME, model: 'qwen3.6-plus', runtime: 'openclaw', skills: ['search'] }),
    );
    expect(JSON.parse(created.out)).toMatchObject({ name: NAME, state: 'Running', model: 'qwen3.6-plus' });

    const wait = await client('worker_backend_wait_ready', NAME, '60');
    expect(wait.ok, emu.logs.slice(-20).join('\n')).toBe(true);
    expect((await client('worker_backend_status', NAME)).out).toBe('ready');
    // The worker reported through the controller contract, with its own token, as HiClaw's images do.
    const [first] = await containersOf(emu.deploymentId, NAME);
    const logs = await logsOf(first!.Id);
    expect(logs).toContain('starting (controller: http');
    expect(logs).toContain('reported ready');

    expect((await client('worker_backend_stop', NAME)).ok).toBe(true);
    expect(await statusBecomes('sleeping')).toBe('sleeping');
    await until(
      () => containersOf(emu.deploymentId, NAME),
      (list) => list.length === 1 && !list[0]!.State.Running,
      'the container is stopped and kept',
    );
    // A sleeping worker is terminal for the client's wait, as in HiClaw.
    expect((await client('worker_backend_wait_ready', NAME, '5')).ok).toBe(false);

    expect((await client('worker_backend_start', NAME)).ok).toBe(true);
    expect((await client('worker_backend_wait_ready', NAME, '60')).ok).toBe(true);

    const listed = JSON.parse((await client('worker_backend_list')).out) as { name: string; phase: string }[];
    expect(listed).toEqual([expect.objectContaining({ name: NAME, phase: 'Ready' })]);

    await client('worker_backend_delete', NAME);
    expect(await statusBecomes('not_found')).toBe('not_found');
    await until(
      () => containersOf(emu.deploymentId, NAME),
      (list) => list.length === 0,
      'the container is removed',
    );
  }, 180_000);
});
