/**
 * What `npm start` prepares on a clean machine (`infra/emulator/first-run.ts`). The decisions are checked with a
 * recording script runner (it records which script would run, and runs none); the last test runs the real
 * build script against the real engine and checks the image is there afterwards.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILD_IMAGE_SCRIPT,
  type FirstRunOptions,
  prepareFirstRun,
  START_ENGINE_SCRIPT,
  startEngineAllowed,
} from '../../infra/emulator/first-run';
import { DEFAULT_DOCKER_SOCKET } from '../../src/backends/docker/node';
import { describeWithDocker, engine, probeDockerEngine } from '../support/emulator';

const NO_ENGINE = join(tmpdir(), `no-docker-here-${crypto.randomUUID().slice(0, 8)}.sock`);
const probe = await probeDockerEngine();

/** Options with a runner that records which script would run (and runs none), failing the scripts in `failing`. */
function recording(options: Partial<FirstRunOptions> = {}, failing: Record<string, string> = {}) {
  const ran: string[][] = [];
  const logged: string[] = [];
  const settings: FirstRunOptions = {
    backends: ['docker'],
    defaultImage: 'orchestrator-test-worker:latest',
    socketPath: NO_ENGINE,
    // As if start-engine.sh brought the engine up at this (absent) socket: nothing answers there before or after.
    startableSocket: NO_ENGINE,
    startEngine: false,
    isRoot: true,
    log: (line) => logged.push(line),
    run: async (command, args) => {
      ran.push([command, ...args]);
      const script = args.at(-1) ?? '';
      if (failing[script]) throw Object.assign(new Error('exit 1'), { stderr: `${failing[script]}\n` });
      return '';
    },
    ...options,
  };
  return { ran, logged, go: () => prepareFirstRun(settings) };
}

describe('npm start on a machine without a Docker engine', () => {
  it('starts no engine unless allowed, and builds nothing without one', async () => {
    const first = recording();
    await first.go();
    expect(first.ran).toEqual([]);
  });

  it('with --start-engine, as root, runs infra/docker/start-engine.sh', async () => {
    const first = recording({ startEngine: true });
    await first.go();
    expect(first.ran).toEqual([['bash', START_ENGINE_SCRIPT]]);
  });

  it('with --start-engine but not root, asks sudo without a prompt (-n), never for a password', async () => {
    const first = recording({ startEngine: true, isRoot: false });
    await first.go();
    expect(first.ran).toEqual([['sudo', '-n', 'bash', START_ENGINE_SCRIPT]]);
  });

  it('says in one line what to run when the engine cannot be started', async () => {
    const first = recording(
      { startEngine: true },
      { [START_ENGINE_SCRIPT]: 'start-engine: the engine is not running and starting it needs root' },
    );
    await first.go();
    expect(first.logged.at(-1)).toBe(
      'could not start the engine (start-engine: the engine is not running and starting it needs root): run `sudo bash infra/docker/start-engine.sh` once, then npm start',
    );
  });

  it('does not try to start an engine at a socket DOCKER_HOST moved elsewhere', async () => {
    const first = recording({ startEngine: true, startableSocket: DEFAULT_DOCKER_SOCKET });
    await first.go();
    expect(first.ran).toEqual([]);
    expect(first.logged[0]).toMatch(/^not starting a Docker engine: DOCKER_HOST names /);
  });

  it('prepares nothing when the docker backend is not used (BACKENDS=fake)', async () => {
    const first = recording({ backends: ['fake'], startEngine: true });
    await first.go();
    expect(first.ran).toEqual([]);
  });
});

describeWithDocker('npm start with a Docker engine', probe, () => {
  it('runs infra/worker/build-image.sh for the reference image, and not for an image of the user’s own', async () => {
    const own = recording({ socketPath: DEFAULT_DOCKER_SOCKET, defaultImage: 'registry.example/agent:1' });
    await own.go();
    expect(own.ran).toEqual([]);
    const reference = recording({ socketPath: DEFAULT_DOCKER_SOCKET });
    await reference.go();
    expect(reference.ran).toEqual([['bash', BUILD_IMAGE_SCRIPT]]);
    const broken = recording(
      { socketPath: DEFAULT_DOCKER_SOCKET },
      { [BUILD_IMAGE_SCRIPT]: 'build-image: /bin/busybox not found (apt-get install busybox-static)' },
    );
    await broken.go();
    expect(broken.logged).toEqual([
      'could not build the reference worker image orchestrator-test-worker:latest (build-image: /bin/busybox not found (apt-get install busybox-static)); a create that names no image answers 400 image_not_found until `bash infra/worker/build-image.sh` succeeds',
    ]);
  });

  it('leaves the reference worker image in the engine, really built, and says so in one line', async () => {
    const logged: string[] = [];
    await prepareFirstRun({
      backends: ['docker'],
      defaultImage: 'orchestrator-test-worker:latest',
      socketPath: DEFAULT_DOCKER_SOCKET,
      startEngine: false,
      isRoot: process.getuid?.() === 0,
      log: (line) => logged.push(line),
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^build-image: (built|orchestrator-test-worker:latest is up to date)/);
    const image = await engine('/images/orchestrator-test-worker:latest/json');
    expect(image.status).toBe(200);
  }, 120_000);
});

describe("npm start's command line", () => {
  it('allows starting an engine with --start-engine or START_DOCKER_ENGINE=1, and refuses anything else by name', () => {
    expect(startEngineAllowed([], {})).toBe(false);
    expect(startEngineAllowed(['--start-engine'], {})).toBe(true);
    expect(startEngineAllowed([], { START_DOCKER_ENGINE: '1' })).toBe(true);
    expect(startEngineAllowed([], { START_DOCKER_ENGINE: '0' })).toBe(false);
    expect(() => startEngineAllowed(['--start-enigne'], {})).toThrow(/unknown argument "--start-enigne"/);
    expect(() => startEngineAllowed([], { START_DOCKER_ENGINE: 'yes' })).toThrow(
      'START_DOCKER_ENGINE must be 0 or 1, got "yes"',
    );
  });
});
