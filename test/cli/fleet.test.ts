/**
 * `orchestrator fleet …`: the fleet actions from the command line, in-process against an in-process app.
 */
import { describe, expect, it } from 'vitest';
import { makeCliHarness } from '../support/cli-harness';

async function withWorkers(names: string[], labels: Record<string, string>) {
  const cli = await makeCliHarness();
  for (const name of names) await cli.call('POST', '/workers', { body: { name, labels } });
  return cli;
}

describe('orchestrator fleet', () => {
  it('sleep --label --max prints one row per worker and a summary, and the workers sleep', async () => {
    const cli = await withWorkers(['a1', 'a2', 'a3'], { team: 'a' });
    const run = await cli.run(['fleet', 'sleep', '--label', 'team=a', '--max', '50']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^a1 +began/m);
    expect(run.stdout).toMatch(/sleep: acted on 3 workers/);
    expect((await cli.call('GET', '/workers/a3')).json.desired).toBe('sleeping');
  });

  it('--idempotency-key: a retried command gets the first answer back instead of acting again', async () => {
    const cli = await withWorkers(['r1', 'r2'], { g: 'r' });
    const argv = [
      'fleet',
      'sleep',
      '--label',
      'g=r',
      '--max',
      '2',
      '--idempotency-key',
      'nightly-2026-12-06',
    ];
    const first = await cli.run(argv);
    await cli.call('POST', '/workers/r1/wake');
    const retried = await cli.run(argv);
    expect(retried.stdout).toBe(first.stdout);
    expect(retried.stdout).toMatch(/^r1 +began/m);
    // Not acted again: r1, woken meanwhile, stays awake.
    expect((await cli.call('GET', '/workers/r1')).json.desired).toBe('running');
  });

  it('--dry-run --json prints the plan and changes nothing', async () => {
    const cli = await withWorkers(['b1', 'b2'], { g: 'b' });
    const run = await cli.run(['fleet', 'delete', '--label', 'g=b', '--max', '5', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ action: 'delete', dry_run: true, matched: 2 });
    expect((await cli.call('GET', '/workers/b1')).status).toBe(200);
  });

  it('exits 4 naming the count when more match than --max, and 2 without a selector', async () => {
    const cli = await withWorkers(['c1', 'c2', 'c3'], { g: 'c' });
    const over = await cli.run(['fleet', 'wake', '--label', 'g=c', '--max', '2']);
    expect(over.code).toBe(4);
    expect(over.stderr).toMatch(/3 workers match/);
    const none = await cli.run(['fleet', 'wake', '--max', '2']);
    expect(none.code).toBe(2);
  });

  it('exits 4 after printing when a worker failed (deletion protection)', async () => {
    const cli = await withWorkers(['d1', 'd2'], { g: 'd' });
    await cli.call('PATCH', '/workers/d2', { body: { deletion_protection: true } });
    const run = await cli.run(['fleet', 'delete', '--name', 'd1', '--name', 'd2', '--max', '2']);
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^d2 +failed +deletion_protected/m);
    expect(run.stderr).toMatch(/1 of 2 workers failed/);
  });
});
