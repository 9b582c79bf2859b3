import type { Emulator } from './emulator';

/** What `npm start` prints once the emulator is up: where it is, how to authenticate, and a curl to paste. */
export function banner(emulator: Emulator): string {
  const lines = ['', `Orchestrator emulator listening on ${emulator.url}`];
  lines.push(`  state:     R2, persisted under ${emulator.dataDir}/r2`);
  lines.push(`  backends:  ${emulator.backends.join(', ')}`);
  if (emulator.workerNetwork) {
    // The host network by default: there the emulator's own address reaches it from inside a worker.
    lines.push(
      `  workers:   network ${emulator.workerNetwork} unless a create names another (DOCKER_DEFAULT_NETWORK);`,
      `             they reach the emulator at ${emulator.workerUrl} (HICLAW_ORCHESTRATOR_URL)`,
    );
  } else {
    lines.push(`  workers reach it at ${emulator.workerUrl} (HICLAW_ORCHESTRATOR_URL)`);
  }
  lines.push(
    emulator.sweepIntervalSeconds > 0
      ? `  sweeper:   every ${emulator.sweepIntervalSeconds} s`
      : '  sweeper:   off (SWEEP_INTERVAL_SECONDS=0)',
  );
  if (emulator.docker?.reachable) lines.push(`  docker:    engine ${emulator.docker.version}`);
  let auth = '';
  if (emulator.authMode === 'off') {
    lines.push('  auth:      OFF (AUTH_MODE=off, loopback only): any local process can manage workers');
  } else if (emulator.managerKey) {
    const made = emulator.managerKeyCreated ? 'made now, kept' : 'kept';
    lines.push(`  manager key (${made} in ${emulator.managerKeyFile}):`, `    ${emulator.managerKey}`);
    auth = ` -H "Authorization: Bearer ${emulator.managerKey}"`;
  } else {
    lines.push('  auth:      manager keys from MANAGER_API_KEYS');
    auth = ' -H "Authorization: Bearer $MANAGER_API_KEY"';
  }
  if (emulator.exposed) {
    lines.push(
      '',
      'NOTE: listening beyond loopback (HOST): anyone who can reach this port and holds the manager key can start',
      '  containers on this machine.',
    );
  }
  if (emulator.workerNetworkWarning) lines.push('', ...wrap(`WARNING: ${emulator.workerNetworkWarning}.`));
  if (emulator.docker && !emulator.docker.reachable && /EACCES/.test(emulator.docker.reason)) {
    // An engine runs, but its socket is root's and the docker group's: starting another would not help.
    lines.push(
      '',
      `WARNING: ${emulator.docker.reason}.`,
      '  An engine runs, but this user may not use its socket: `sudo usermod -aG docker $USER`, log in again,',
      '  and npm start again (or run npm start as root).',
    );
  } else if (emulator.docker && !emulator.docker.reachable) {
    lines.push(
      '',
      `WARNING: ${emulator.docker.reason}.`,
      '  The emulator runs, but creating a docker worker answers 503 until an engine is reachable.',
      '  Let npm start start one (it needs root, or sudo without a password): npm start -- --start-engine',
      '  (or `sudo bash infra/docker/start-engine.sh`, then npm start, which builds the worker image),',
      '  or try the API without Docker: BACKENDS=fake npm start',
    );
  }
  lines.push(
    '',
    'Try:',
    `  curl -s${auth} -H 'content-type: application/json' -d '{"name":"alice"}' ${emulator.url}/workers`,
    `  curl -s${auth} ${emulator.url}/workers/alice`,
    `  curl -s${auth} -X POST ${emulator.url}/workers/alice/stop`,
    `  curl -s${auth} -X DELETE ${emulator.url}/workers/alice`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** Splits a long sentence into lines of at most `width` characters, the later ones indented like the notes above. */
function wrap(text: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
