/**
 * The HiClaw manager's shell client, unchanged, against the emulator and a real Docker engine: it speaks `curl -s`
 * (no `-f`, so it reads bodies whatever the status), calls the API "available" when `GET /workers` answers exactly
 * 200, reads `.status // "unknown"`, waits for `ready` (giving up on not_found|stopped|unknown), and treats any 2xx
 * from start/stop as success. Only the poll interval is shorter than HiClaw's 5 s.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import {
  containersOf,
  describeWithDocker,
  probeDockerEngine,
  until,
  useTestEmulator,
} from '../../support/emulator';

const probe = await probeDockerEngine();
const run = promisify(execFile);
const NAME = 'hiclaw-w1';

describeWithDocker('the HiClaw manager flow with curl', probe, () => {
  const emu = useTestEmulator();

  /** `curl -s` as the HiClaw client calls it; `-w` appends the status code on its own line. */
  const curl = async (method: string, path: string, body?: unknown) => {
    const args = [
      '-s',
      '-w',
      '\n%{http_code}',
      '-X',
      method,
      '-H',
      `Authorization: Bearer ${emu.managerKey}`,
    ];
    if (body !== undefined) args.push('-H', 'Content-Type: application/json', '-d', JSON.stringify(body));
    const { stdout } = await run('curl', [...args, `${emu.url}${path}`], { timeout: 30_000 });
    const cut = stdout.lastIndexOf('\n');
    return { body: stdout.slice(0, cut), code: Number(stdout.slice(cut + 1)) };
  };

  /** `jq -r '.status // "unknown"'` */
  const statusOf = async (name: string): Promise<string> => {
    const { body } = await curl('GET', `/workers/${name}`);
    try {
      return (JSON.parse(body) as { status?: string }).status ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };

  /** HiClaw's wait-until-ready: `ready` is done; not_found, stopped and unknown mean give up. */
  const waitReady = async (name: string): Promise<string> => {
    for (let tries = 0; tries < 60; tries++) {
      const status = await statusOf(name);
      if (['ready', 'not_found', 'stopped', 'unknown'].includes(status)) return status;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return 'timeout';
  };

  const waitFor = async (name: string, wanted: string): Promise<string> => {
    let status = '';
    for (let tries = 0; tries < 30 && status !== wanted; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      status = await statusOf(name);
    }
    return status;
  };

  it('creates, waits for ready, stops, starts and deletes a worker exactly as the shell client does', async () => {
    expect((await curl('GET', '/workers')).code).toBe(200);

    const created = await curl('POST', '/workers', {
      name: NAME,
      image: 'orchestrator-test-worker:latest',
      runtime: 'openclaw',
      env: { HEARTBEAT_INTERVAL_SECONDS: '1' },
    });
    expect(created.code).toBe(201);
    const worker = JSON.parse(created.body);
    expect(worker).toMatchObject({ name: NAME, backend: 'docker', deployment_mode: 'local' });
    expect(worker.api_key).toMatch(/^wok_hiclaw-w1_[0-9a-f]{64}$/);
    expect(worker.container_id).toEqual(expect.any(String));

    expect(await waitReady(NAME)).toBe('ready');

    const stopped = await curl('POST', `/workers/${NAME}/stop`);
    expect(stopped.code).toBeGreaterThanOrEqual(200);
    expect(stopped.code).toBeLessThan(300);
    expect(await waitFor(NAME, 'stopped')).toBe('stopped');
    await until(
      () => containersOf(emu.deploymentId, NAME),
      (list) => list.length === 1 && !list[0]!.State.Running,
      'the container is stopped',
    );

    const started = await curl('POST', `/workers/${NAME}/start`);
    expect(started.code).toBeGreaterThanOrEqual(200);
    expect(started.code).toBeLessThan(300);
    expect(await waitReady(NAME)).toBe('ready');

    const listed = await curl('GET', '/workers');
    expect(listed.code).toBe(200);
    expect(JSON.parse(listed.body).workers.map((w: { name: string }) => w.name)).toContain(NAME);

    const deleted = await curl('DELETE', `/workers/${NAME}`);
    expect(deleted.code).toBe(204);
    expect(await waitFor(NAME, 'not_found')).toBe('not_found');
    expect(await containersOf(emu.deploymentId, NAME)).toEqual([]);
  }, 60_000);
});
