/**
 * `npx osls invoke local` for every function, run as the README says: the real osls CLI, the local environment
 * of `infra/aws/local.env`, the sample events in `infra/aws/events/`, and the built bundles. State goes to the
 * local Ceph RGW when it answers, else to the protocol-level fake S3 server (the target is in each test's name).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalBucket } from '../../infra/aws/local-bucket';
import { REPO_ROOT } from '../../infra/build/targets';
import { CEPH_S3, rgwAvailability } from '../support/ceph';
import { FakeS3Server } from '../support/fakes/s3';

/** `KEY=value` lines, as `set -a; . infra/aws/local.env` reads them. */
async function localEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(REPO_ROOT, 'infra/aws/local.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const useCeph = (await rgwAvailability()).reachable;
const target = useCeph ? 'the local Ceph RGW' : 'the protocol-level fake S3 server';
let fakeS3: FakeS3Server | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  const local = await localEnv();
  const bucket = `invoke-local-${Date.now().toString(36)}`;
  env = { ...local, S3_BUCKET: bucket };
  if (useCeph) {
    env.S3_ENDPOINT = CEPH_S3.endpoint;
  } else {
    fakeS3 = new FakeS3Server([]);
    env.S3_ENDPOINT = await fakeS3.start();
    env.S3_DIALECT = 'aws';
  }
  expect(await ensureLocalBucket(env)).toContain(`created bucket ${bucket}`);
}, 60_000);

afterAll(async () => {
  await fakeS3?.close();
});

/** One `osls invoke local`; resolves with its output whatever the exit code. */
async function invoke(fn: string, event: string, overrides: Record<string, string | undefined> = {}) {
  const vars = Object.fromEntries(
    Object.entries({ ...env, ...overrides }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  return promisify(execFile)(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
      'invoke',
      'local',
      '-f',
      fn,
      '--path',
      `infra/aws/events/${event}.json`,
    ],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars }, timeout: 120_000 },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

/** The result osls prints, indented over several lines (the functions' own log lines are one line each). */
const result = (stdout: string) => {
  const start = stdout.indexOf('{\n');
  return JSON.parse(stdout.slice(start, stdout.indexOf('\n}', start) + 2));
};

describe(`osls invoke local against ${target}`, () => {
  it('runs the lifecycle bundle: /healthz reaches the store, GET /workers answers the manager key', async () => {
    const health = await invoke('lifecycle', 'healthz');
    expect(health.code, health.stderr).toBe(0);
    const answer = result(health.stdout);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).store).toMatchObject({ kind: 's3', ok: true });

    const list = await invoke('lifecycle', 'list-workers');
    expect(list.code, list.stderr).toBe(0);
    expect(result(list.stdout).statusCode).toBe(200);
  }, 150_000);

  it("routes a function URL event (payload 2.0, route key $default) like the gateway's: GET /workers answers 200", async () => {
    const run = await invoke('lifecycle', 'function-url-list-workers');
    expect(run.code, run.stderr).toBe(0);
    const answer = result(run.stdout);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('workers');
  }, 150_000);

  it('runs ensureReady (the lifecycle bundle in its own function): an unknown worker is 404', async () => {
    const run = await invoke('ensureReady', 'ensure-ready');
    expect(run.code, run.stderr).toBe(0);
    expect(result(run.stdout).statusCode).toBe(404);
  }, 150_000);

  it('runs the credentials bundle: /healthz answers 200 from the store', async () => {
    const run = await invoke('credentials', 'healthz');
    expect(run.code, run.stderr).toBe(0);
    expect(result(run.stdout).statusCode).toBe(200);
  }, 150_000);

  it('runs the sweeper bundle on a scheduled event: a report, ECS unreachable by design', async () => {
    const run = await invoke('sweeper', 'schedule');
    expect(run.code, run.stderr).toBe(0);
    const report = result(run.stdout);
    expect(report.store_ops).toBeGreaterThan(0);
    expect(report.problems.join('\n')).toContain('inventory ecs: ECS could not be reached');
  }, 150_000);

  it('stops before running, naming every cloud-only value the shell does not set', async () => {
    const run = await invoke('lifecycle', 'healthz', { S3_BUCKET: undefined, MANAGER_API_KEYS: undefined });
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(
      /values only CloudFormation knows; set them in your shell .*: MANAGER_API_KEYS, S3_BUCKET/,
    );
  }, 150_000);
});
