/**
 * What the commands do and print, driven in-process against an in-process app (memory store, fake backend).
 */
import { describe, expect, it } from 'vitest';
import { reportReady } from '../support/app-harness';
import { makeCliHarness } from '../support/cli-harness';

const KEY = /wok_alice_[0-9a-f]{64}/;

describe('orchestrator workers', () => {
  it('create prints the worker key once, marked as shown once; get and list never show a key', async () => {
    const cli = await makeCliHarness();

    const created = await cli.run(['workers', 'create', 'alice', '--label', 'tier=gold']);
    const got = await cli.run(['workers', 'get', 'alice']);
    const listed = await cli.run(['workers', 'list', '--json']);

    expect(created.stdout).toMatch(KEY);
    expect(created.stdout).toMatch(/shown once/);
    expect(got.stdout).toMatch(/labels: +tier=gold/);
    expect(got.stdout + listed.stdout).not.toMatch(/wok_/);
  });

  it('create --wait writes progress lines on stderr until ready, then prints the ready worker and its key once', async () => {
    const cli = await makeCliHarness();
    let reported: Promise<unknown> | undefined;

    const run = await cli.run(['workers', 'create', 'alice', '--wait', '--json'], {
      // The container reports ready with the key it was given, as a real one would, once the wait has begun.
      onStderr: (text) => {
        const key = cli.backend.allResources()[0]?.spec.env.HICLAW_WORKER_API_KEY;
        if (!reported && key && text.startsWith('waiting for alice'))
          reported = reportReady(cli, 'alice', key);
      },
    });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^waiting for alice: starting \(created\) \d+s$/m);
    expect(run.stderr).toMatch(/^alice is ready after \d+s$/m);
    const worker = JSON.parse(run.stdout);
    expect(worker).toMatchObject({ name: 'alice', phase: 'ready' });
    expect(worker.api_key).toMatch(KEY);
  });

  it('create --wait gives up with exit 6 after --timeout when the worker never reports ready', async () => {
    const cli = await makeCliHarness();

    const run = await cli.run(['workers', 'create', 'alice', '--wait', '--timeout', '1']);

    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/alice was not ready within 1s; it is starting/);
  });

  it('create --wait --json still prints the worker and its one-time key when the wait times out (exit 6)', async () => {
    const cli = await makeCliHarness();

    const run = await cli.run(['workers', 'create', 'alice', '--wait', '--json', '--timeout', '1']);

    expect(run.code).toBe(6);
    const worker = JSON.parse(run.stdout);
    expect(worker).toMatchObject({ name: 'alice', phase: 'starting' });
    expect(worker.api_key).toMatch(KEY);
  });

  it('create --wait --json still prints the worker and its one-time key when Ctrl-C stops the wait (exit 130)', async () => {
    const cli = await makeCliHarness();
    const interrupt = new AbortController();

    const run = await cli.run(['workers', 'create', 'alice', '--wait', '--json'], {
      signal: interrupt.signal,
      onStderr: (text) => {
        if (text.startsWith('waiting for alice')) interrupt.abort();
      },
    });

    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^stopped waiting for alice/m);
    expect(JSON.parse(run.stdout).api_key).toMatch(KEY);
  });

  it('create --wait --json still prints the one-time key when the worker fails while it waits (exit 4)', async () => {
    const cli = await makeCliHarness();
    let expired = false;

    const run = await cli.run(['workers', 'create', 'alice', '--wait', '--json', '--ttl', '60'], {
      // Its lifetime ends during the wait: the next round answers 409.
      onStderr: (text) => {
        if (!expired && text.startsWith('waiting for alice')) {
          expired = true;
          cli.clock.advance(61_000);
        }
      },
    });

    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout).api_key).toMatch(KEY);
  });

  it('update merges labels and env, and sends --unset-env and --unset-label as removals', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', {
      body: { name: 'alice', labels: { a: '1', b: '2' }, env: { KEEP: 'x', DROP: 'y' } },
    });

    const run = await cli.run([
      'workers',
      'update',
      'alice',
      '--label',
      'c=3',
      '--unset-label',
      'a',
      '--unset-env',
      'DROP',
      '--json',
    ]);

    expect(run.code).toBe(0);
    const worker = JSON.parse(run.stdout);
    expect(worker.labels).toEqual({ b: '2', c: '3' });
    expect(worker.env_names).toEqual(['KEEP']);
  });

  it('update sets a schedule from --schedule-wake/--schedule-sleep/--schedule-zone, get shows it, --unset-schedule removes it', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice' } });

    const set = await cli.run([
      'workers',
      'update',
      'alice',
      '--schedule-wake',
      '0 9 * * 1-5',
      '--schedule-sleep',
      '0 19 * * 1-5',
      '--schedule-zone',
      'Europe/Berlin',
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout).schedule).toEqual({
      wake: '0 9 * * 1-5',
      sleep: '0 19 * * 1-5',
      time_zone: 'Europe/Berlin',
    });
    expect((await cli.run(['workers', 'get', 'alice'])).stdout).toMatch(
      /schedule: +wake '0 9 \* \* 1-5' sleep '0 19 \* \* 1-5' \(Europe\/Berlin\)/,
    );

    const bad = await cli.run(['workers', 'update', 'alice', '--schedule-sleep', '0 19 * * 9']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/schedule\.sleep/);

    const unset = await cli.run(['workers', 'update', 'alice', '--unset-schedule', '--json']);
    expect(JSON.parse(unset.stdout)).not.toHaveProperty('schedule');
  });

  it('get --watch --json prints one line per change and exits 0 on Ctrl-C', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice' } });
    const interrupt = new AbortController();
    const lines: string[] = [];

    const watching = cli.run(['workers', 'get', 'alice', '--watch', '--json', '--interval', '0.05'], {
      signal: interrupt.signal,
      onStdout: (text) => lines.push(text),
    });
    while (lines.length < 1) await new Promise((r) => setTimeout(r, 10));
    // Several polls with nothing changed print nothing more; a change prints one more line.
    await new Promise((r) => setTimeout(r, 200));
    expect(lines).toHaveLength(1);
    await cli.call('PATCH', '/workers/alice', { body: { labels: { tier: 'gold' } } });
    while (lines.length < 2) await new Promise((r) => setTimeout(r, 10));
    interrupt.abort();
    const run = await watching;

    expect(run.code).toBe(0);
    expect(lines.map((line) => JSON.parse(line).labels)).toEqual([{}, { tier: 'gold' }]);
  });

  it('rotate-key prints the new key once, and the old key stops working', async () => {
    const cli = await makeCliHarness();
    const { api_key: oldKey } = (await cli.call('POST', '/workers', { body: { name: 'alice' } })).json;
    await reportReady(cli, 'alice', oldKey);

    const run = await cli.run(['workers', 'rotate-key', 'alice']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(KEY);
    expect(run.stdout.match(KEY)?.[0]).not.toBe(oldKey);
    expect((await reportReady(cli, 'alice', oldKey)).status).toBe(401);
  });
});

describe('orchestrator teams', () => {
  it('creates a team, mints a key printed once, lists the team, and revokes the key', async () => {
    const cli = await makeCliHarness();

    const created = await cli.run(['teams', 'create', 'red', '--max-workers', '3']);
    const minted = await cli.run(['teams', 'keys', 'create', 'red', '--json']);
    const { id, key } = JSON.parse(minted.stdout);
    const listed = await cli.run(['teams', 'list']);
    const revoked = await cli.run(['teams', 'keys', 'revoke', 'red', id]);
    const after = await cli.run(['workers', 'list'], { key });

    expect(created.stdout).toMatch(/max workers: 3/);
    expect(listed.stdout).toMatch(/^red +0 +0/m);
    expect(revoked.code).toBe(0);
    expect(after.code).toBe(5);
  });
});

describe('orchestrator sweep and health', () => {
  it('sweep runs the sweeper once and says what it did', async () => {
    const cli = await makeCliHarness();
    const { api_key } = (
      await cli.call('POST', '/workers', { body: { name: 'alice', idle_timeout_seconds: 600 } })
    ).json;
    await reportReady(cli, 'alice', api_key);
    cli.clock.advance(11 * 60_000);

    const run = await cli.run(['sweep']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/slept 1,/);
  });

  it('sweep against an orchestrator without the route exits 3 and says how to run the sweeper on a cloud', async () => {
    const cli = await makeCliHarness({ sweep: false });

    const run = await cli.run(['sweep']);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/only the local emulator .* invoke the sweeper function/);
  });

  it('health shows the store and each backend, and exits 0 while healthy', async () => {
    const cli = await makeCliHarness();

    const run = await cli.run(['health']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/store: +memory: reachable/);
    expect(run.stdout).toMatch(/^fake +yes/m);
  });
});
