/**
 * `orchestrator schedules`, driven in-process against an in-process app (memory store, fake backend): label
 * schedules put, listed, read and deleted, and a bad pattern refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { makeCliHarness } from '../support/cli-harness';

describe('orchestrator schedules', () => {
  it('puts a label schedule, lists and gets it with its next time, replaces it, and deletes it', async () => {
    const cli = await makeCliHarness();
    const args = [
      '--label',
      'shift=office',
      '--wake',
      '0 9 * * 1-5',
      '--sleep',
      '0 19 * * 1-5',
      '--zone',
      'Europe/Berlin',
    ];

    const made = await cli.run(['schedules', 'put', 'office-hours', ...args]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^created office-hours/);
    const listed = await cli.run(['schedules', 'list']);
    expect(listed.stdout).toMatch(
      /office-hours +shift=office +0 9 \* \* 1-5 +0 19 \* \* 1-5 +Europe\/Berlin +(wake|sleep) /,
    );
    const got = JSON.parse((await cli.run(['schedules', 'get', 'office-hours', '--json'])).stdout);
    expect(got).toMatchObject({
      id: 'office-hours',
      labels: { shift: 'office' },
      time_zone: 'Europe/Berlin',
    });

    const replaced = await cli.run([
      'schedules',
      'put',
      'office-hours',
      ...args.slice(0, 4),
      '--sleep',
      '0 18 * * 1-5',
    ]);
    expect(replaced.stdout).toMatch(/^replaced office-hours/);

    expect((await cli.run(['schedules', 'delete', 'office-hours'])).code).toBe(0);
    expect((await cli.run(['schedules', 'list'])).stdout).toBe('no label schedules\n');
  });

  it('refuses a bad pattern, naming the field', async () => {
    const cli = await makeCliHarness();
    const run = await cli.run(['schedules', 'put', 's1', '--label', 'a=b', '--sleep', '0 19 * * 9']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/sleep/);
  });
});
