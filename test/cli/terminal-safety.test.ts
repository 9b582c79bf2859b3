/**
 * What a key holder writes (a label value, an image a backend error quotes) reaches a manager's terminal through
 * the CLI's tables, and must not drive it: no escape sequence, no bell, no carriage return is printed raw. `--json`
 * keeps the values exactly as stored.
 */
import { describe, expect, it } from 'vitest';
import { eventsTable } from '../../src/cli/render/worker';
import type { WorkerEvent } from '../../src/client';
import { BackendUnavailableError } from '../../src/errors';
import { makeCliHarness } from '../support/cli-harness';

/** OSC 52 (write the clipboard), then clear the screen, then a carriage return that hides the line's start. */
const HOSTILE = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\u001b[2J\rlooks-harmless\u202e';
/** A raw control character (C0, DEL, C1) or bidi override anywhere but a line break. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for exactly these
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('the CLI in a terminal', () => {
  it('shows a hostile label value escaped in get, and exactly as stored in --json', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice', labels: { note: HOSTILE } } });

    const got = await cli.run(['workers', 'get', 'alice']);
    const json = await cli.run(['workers', 'get', 'alice', '--json']);

    expect(got.code).toBe(0);
    expect(got.stdout).not.toMatch(RAW_CONTROL);
    expect(got.stdout).toContain('note=\\x1b]52;c;');
    expect(got.stdout).toContain('\\x07\\x1b[2J\\x0dlooks-harmless\\u202e');
    expect(JSON.parse(json.stdout).labels.note).toBe(HOSTILE);
  });

  it('shows a last error quoting hostile text (an image name a backend echoes) escaped', async () => {
    const cli = await makeCliHarness();
    await cli.call('POST', '/workers', { body: { name: 'alice' } });
    // As a backend's error would leave it: the message quotes the image the key holder chose.
    await cli.repo.mutate('alice', (current) =>
      current ? { ...current, last_error: `pull access denied for ${HOSTILE}` } : undefined,
    );

    const got = await cli.run(['workers', 'get', 'alice']);

    expect(got.stdout).toMatch(/^last error: +pull access denied for \\x1b\]52/m);
    expect(got.stdout).not.toMatch(RAW_CONTROL);
  });

  it('shows an event message quoting hostile text escaped in the events table', () => {
    const event = {
      at: new Date().toISOString(),
      from: 'starting',
      to: 'failed',
      reason: 'backend_error',
      actor: 'driver',
      message: HOSTILE,
    } as WorkerEvent;

    const shown = eventsTable([event], Date.now());

    expect(shown).toContain('\\x1b]52;c;');
    expect(shown).not.toMatch(RAW_CONTROL);
  });

  it("shows an error answer's message escaped on stderr", async () => {
    const cli = await makeCliHarness();
    cli.backend.behave('create', {
      fail: new BackendUnavailableError(`engine said ${HOSTILE}`, { nothingSent: true }),
    });

    const run = await cli.run(['workers', 'create', 'alice']);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*engine said \\x1b\]52/m);
    expect(run.stderr).not.toMatch(RAW_CONTROL);
  });
});
