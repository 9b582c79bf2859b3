/**
 * Starts the local emulator: miniflare hosting the functions' workerd module, state in R2 persisted under the data
 * directory, the Docker backend reaching the engine through the outbound service, and the scheduled (sweeper)
 * function fired on a timer. `npm start` (`start.ts`) and the end-to-end tests (`test/support/emulator.ts`) both
 * call `startEmulator`, so the tests run exactly what a developer runs.
 *
 * @example
 * const emulator = await startEmulator({ ...emulatorOptionsFromEnv(process.env), port: 0 });
 * await fetch(`${emulator.url}/healthz`);
 * await emulator.stop();
 *
 * @module
 */
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/core';
import { ALLOWED_HOSTS_BINDING, dockerOptionsFromEnv } from '../../src/platforms/workerd';
import { emulatorAllowedHosts } from './allowed-hosts';
import { bundleWorker } from './bundle';
import { preparePrivateDataDir, withPrivateUmask } from './data-dir';
import { type EngineProbe, probeEngine } from './engine-probe';
import { type FrontDoor, openFrontDoor } from './front-door';
import { issuerFromVars, withoutSigningVars } from './issuer';
import { loadOrCreateManagerKey } from './manager-key';
import { checkEmulatorOptions, type EmulatorOptions, isLoopback } from './options';
import { newProxyToken } from './proxy-token';
import { fireScheduled, startGuardedRuntime } from './runtime';
import { SweepTimer } from './sweep-timer';
import { forgetUrl, recordUrl } from './url-file';
import { checkAuthOffBesideWorkers, planWorkerNetwork } from './worker-network';

export interface Emulator {
  /** Where to call the API, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The URL injected into workers as `HICLAW_ORCHESTRATOR_URL`. */
  workerUrl: string;
  /** The network Docker workers join by default (undefined without the docker backend). */
  workerNetwork: string | undefined;
  /** Why Docker workers may not reach the emulator back (a bridge network with a loopback-only listener). */
  workerNetworkWarning: string | undefined;
  /** Listening beyond loopback: reachable from other machines (still behind the manager key). */
  exposed: boolean;
  authMode: 'keys' | 'off';
  /** The generated manager key (undefined when keys came from MANAGER_API_KEYS). */
  managerKey: string | undefined;
  managerKeyFile: string | undefined;
  managerKeyCreated: boolean;
  backends: string[];
  /** The engine probe at start; undefined when the docker backend is not configured. */
  docker: EngineProbe | undefined;
  dataDir: string;
  sweepIntervalSeconds: number;
  /** Runs the scheduled (sweeper) function once and resolves when it is over. */
  triggerSweep(): Promise<void>;
  /** Scheduled runs that completed without an exception, timed or triggered. */
  sweepsCompleted(): number;
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  checkEmulatorOptions(options);
  const dataDir = resolve(options.dataDir);
  await preparePrivateDataDir(dataDir);
  // The front door listens first: its port is part of the URL workers are given, one of the functions' bindings.
  const door = await openFrontDoor(options.host, options.port);
  try {
    return await startBehind(options, dataDir, door);
  } catch (error) {
    await door.close();
    throw error;
  }
}

async function startBehind(options: EmulatorOptions, dataDir: string, door: FrontDoor): Promise<Emulator> {
  const allInterfaces = options.host === '0.0.0.0' || options.host === '::';
  const bracketed =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const url = `http://${allInterfaces ? '127.0.0.1' : bracketed}:${door.port}`;

  const vars: Record<string, string> = { ...options.vars, STATE_STORE: 'r2' };
  // Only this runner says whether its listener is loopback alone; the functions refuse AUTH_MODE=off otherwise.
  vars.EMULATOR_LOOPBACK_ONLY = String(isLoopback(options.host));
  const ownKeys = Boolean(vars.MANAGER_API_KEYS || vars.HICLAW_ORCHESTRATOR_API_KEY);
  const generated = ownKeys ? undefined : await loadOrCreateManagerKey(dataDir);
  if (generated) vars.MANAGER_API_KEYS = generated.key;
  // Fail here, naming the setting, rather than on the first request inside workerd.
  const config = loadConfig(vars, { store: 'r2', backends: ['docker'] });
  const usesDocker = config.backends.includes('docker');
  if (usesDocker) dockerOptionsFromEnv(vars);
  const docker = usesDocker ? await probeEngine(options.socketPath) : undefined;
  // Workers default to the host network, where the emulator's own address reaches it from inside them too; on
  // another network they are given host.docker.internal instead. ORCHESTRATOR_URL overrides either.
  const network = planWorkerNetwork({ vars, url, port: door.port, host: options.host, engine: docker });
  const workerUrl = usesDocker ? network.workerUrl : (vars.ORCHESTRATOR_URL ?? url);
  vars.ORCHESTRATOR_URL = workerUrl;
  vars[ALLOWED_HOSTS_BINDING] = emulatorAllowedHosts({ host: options.host, workerUrl }).join(',');
  if (usesDocker) vars.DOCKER_DEFAULT_NETWORK = network.defaultNetwork;
  if (usesDocker && config.auth.mode === 'off') checkAuthOffBesideWorkers(vars, docker);

  const issuer = issuerFromVars(vars, config);

  // Before the runtime starts, so a failure here needs only the front door closed (the caller does that).
  await recordUrl(dataDir, url);
  const log = options.onLog ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Under umask 077: the bundle, and everything workerd writes (R2 blobs), are for the owner only.
  const mf = await withPrivateUmask(async () =>
    startGuardedRuntime({
      scriptPath: await bundleWorker(join(dataDir, 'build')),
      dataDir,
      socketPath: options.socketPath,
      vars: withoutSigningVars(vars),
      log,
      proxyToken: newProxyToken(),
      ...(issuer ? { issuer: issuer.binding } : {}),
    }),
  );
  door.dispatch = (input, init) => mf.dispatchFetch(input, init);
  const sweeps = new SweepTimer(
    () => fireScheduled(mf),
    options.sweepIntervalSeconds,
    (error) => log(JSON.stringify({ level: 'error', message: 'sweep failed', error: String(error) })),
  );

  return {
    url,
    workerUrl,
    workerNetwork: usesDocker ? network.defaultNetwork : undefined,
    workerNetworkWarning: usesDocker ? network.warning : undefined,
    exposed: !isLoopback(options.host),
    authMode: config.auth.mode,
    managerKey: generated?.key,
    managerKeyFile: generated?.file,
    managerKeyCreated: generated?.created ?? false,
    backends: config.backends,
    docker,
    dataDir,
    sweepIntervalSeconds: options.sweepIntervalSeconds,
    triggerSweep: () => sweeps.trigger(),
    sweepsCompleted: () => sweeps.completed,
    async stop() {
      await sweeps.stop();
      await door.close();
      await mf.dispose();
      await forgetUrl(dataDir, url);
    },
  };
}
