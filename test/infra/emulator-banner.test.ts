/**
 * What `npm start` prints when the engine is not usable: the banner is a pure function of the started emulator,
 * checked here for the two cases a first run meets (no engine at all; an engine whose socket this user may not use).
 */
import { describe, expect, it } from 'vitest';
import { banner } from '../../infra/emulator/banner';
import type { Emulator } from '../../infra/emulator/emulator';

const started = (reason: string): Emulator => ({
  url: 'http://127.0.0.1:8787',
  workerUrl: 'http://127.0.0.1:8787',
  workerNetwork: 'host',
  workerNetworkWarning: undefined,
  exposed: false,
  authMode: 'keys',
  managerKey: 'k'.repeat(64),
  managerKeyFile: '.data/manager-key',
  managerKeyCreated: true,
  backends: ['docker'],
  docker: { reachable: false, reason },
  dataDir: '.data',
  sweepIntervalSeconds: 60,
  triggerSweep: async () => {},
  sweepsCompleted: () => 0,
  stop: async () => {},
});

describe('the npm start banner without a usable engine', () => {
  it('with no engine, names --start-engine and the script, and the fake backend', () => {
    const printed = banner(started('no Docker engine answers at /var/run/docker.sock (connect ENOENT)'));
    expect(printed).toContain('npm start -- --start-engine');
    expect(printed).toContain('sudo bash infra/docker/start-engine.sh');
    expect(printed).toContain('BACKENDS=fake npm start');
  });

  it('with an engine whose socket this user may not use, says to join the docker group instead', () => {
    const printed = banner(
      started('no Docker engine answers at /var/run/docker.sock (connect EACCES /var/run/docker.sock)'),
    );
    expect(printed).toContain(
      'An engine runs, but this user may not use its socket: `sudo usermod -aG docker $USER`',
    );
    expect(printed).not.toContain('--start-engine');
  });
});
