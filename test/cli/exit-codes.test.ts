/**
 * The CLI's exit codes say what happened, so scripts can branch on them: 0 ok, 2 usage, 3 not found, 4 conflict,
 * 5 auth, 6 not ready (docs-cli.md). Each test drives the real command line in-process against an in-process app.
 */
import { describe, expect, it } from 'vitest';
import { MANAGER_KEY } from '../support/app-harness';
import { makeCliHarness } from '../support/cli-harness';

describe('orchestrator exit codes', () => {
  it('exits 0 and prints JSON a script can parse for workers list --json', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice' } });

    const run = await cli.run(['workers', 'list', '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).workers.map((w: { name: string }) => w.name)).toEqual(['alice']);
  });

  it('exits 3 and says so for a worker that does not exist', async () => {
    const cli = await makeCliHarness();

    const run = await cli.run(['workers', 'get', 'nobody']);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not found \(404 not_found\)/);
  });

  it('exits 4 when a name is created again with another spec', async () => {
    const cli = await makeCliHarness();
    expect((await cli.run(['workers', 'create', 'alice'])).code).toBe(0);

    const run = await cli.run(['workers', 'create', 'alice', '--label', 'tier=gold']);

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/409 exists/);
  });

  it('exits 5 without a key, and for a team key on a manager-only command, never printing a key', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/teams', { body: { name: 'red' } });
    const teamKey = (await cli.call('POST', '/teams/red/keys')).json.key as string;

    const none = await cli.run(['workers', 'list'], { key: null });
    const team = await cli.run(['teams', 'get', 'red'], { key: teamKey });
    const wrong = await cli.run(['workers', 'list'], { key: `${MANAGER_KEY}-wrong` });

    expect([none.code, team.code, wrong.code]).toEqual([5, 5, 5]);
    expect(none.stderr).toMatch(/no key found: set ORCHESTRATOR_KEY/);
    expect(wrong.stderr).toMatch(/the key from ORCHESTRATOR_KEY was refused/);
    for (const run of [none, team, wrong]) {
      expect(run.stdout + run.stderr).not.toContain(MANAGER_KEY);
      expect(run.stdout + run.stderr).not.toContain(teamKey);
    }
  });

  it('exits 2 for an unknown command, a bad option value, and input the API refuses (400)', async () => {
    const cli = await makeCliHarness();

    const unknown = await cli.run(['workers', 'frobnicate']);
    const badNumber = await cli.run(['workers', 'create', 'alice', '--ttl', 'soon']);
    const refused = await cli.run(['workers', 'create', 'Not_A_Name']);

    expect([unknown.code, badNumber.code, refused.code]).toEqual([2, 2, 2]);
    expect(badNumber.stderr).toMatch(/--ttl takes a whole number/);
    expect(refused.stderr).toMatch(/\[name\] \(400 invalid_request\)/);
  });

  it('exits 2 and prints the help, exit codes included, when no command is given', async () => {
    const cli = await makeCliHarness();

    const run = await cli.run([]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: orchestrator/);
    expect(run.stderr).toMatch(/3 {2}not found \(404\)/);
  });

  it('exits 6 when ensure-ready (one bounded wait) ends before the worker is ready', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice' } });

    const run = await cli.run(['workers', 'ensure-ready', 'alice', '--timeout', '0']);

    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/alice is not ready yet: starting/);
  });

  it('exits 130 at the first Ctrl-C during a command that neither waits nor watches', async () => {
    const cli = await makeCliHarness();
    const interrupt = new AbortController();
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => {
      asked = resolve;
    });

    const running = cli.run(['workers', 'list'], {
      signal: interrupt.signal,
      // An orchestrator that never answers.
      fetch: () => {
        asked();
        return new Promise<Response>(() => undefined);
      },
    });
    await requested;
    interrupt.abort();
    const run = await Promise.race([
      running,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 2000)),
    ]);

    expect(run).toMatchObject({ code: 130 });
  });
});
