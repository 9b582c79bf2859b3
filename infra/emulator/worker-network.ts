/**
 * Where the emulator's Docker workers run and how they reach it back.
 *
 * The emulator puts workers on the host network unless told otherwise (`DOCKER_DEFAULT_NETWORK`): there, the
 * emulator's own loopback address reaches it from inside a worker. On a bridge network `127.0.0.1` is the container
 * itself, so such workers are given `http://host.docker.internal:<port>` (the adapter maps that name to the host
 * on Linux) and can report only if the emulator listens on an address the bridge reaches.
 *
 * Sharing the host network also means sharing its loopback: a worker there reaches the emulator as any local
 * process does, so with `AUTH_MODE=off` it could manage every worker. Auth may be off beside Docker workers only
 * when none of them can be on the host network.
 *
 * @module
 */

import { ConfigError } from '../../src/errors';
import { dockerOptionsFromEnv } from '../../src/platforms/workerd';
import type { EngineProbe } from './engine-probe';
import { isLoopback } from './options';

/** The emulator's default for `DOCKER_DEFAULT_NETWORK`, whether or not the engine has a bridge. */
export const EMULATOR_DEFAULT_NETWORK = 'host';

/** How a container on a bridge network names the host (the Docker adapter adds it on Linux). */
export const HOST_FROM_CONTAINER = 'host.docker.internal';

export interface WorkerNetwork {
  /** The network workers join when their spec names none. */
  defaultNetwork: string;
  /** Injected into workers as `HICLAW_ORCHESTRATOR_URL`. */
  workerUrl: string;
  /** Why workers may fail to reach the emulator, for the banner. */
  warning?: string;
}

export function planWorkerNetwork(input: {
  vars: Record<string, string>;
  /** The emulator's URL on this machine (loopback when it listens on all interfaces). */
  url: string;
  port: number;
  host: string;
  engine: EngineProbe | undefined;
}): WorkerNetwork {
  const defaultNetwork = input.vars.DOCKER_DEFAULT_NETWORK || EMULATOR_DEFAULT_NETWORK;
  const chosen = input.vars.ORCHESTRATOR_URL;
  if (chosen) return { defaultNetwork, workerUrl: chosen };
  if (defaultNetwork === 'host') return { defaultNetwork, workerUrl: input.url };
  const workerUrl = `http://${HOST_FROM_CONTAINER}:${input.port}`;
  // Without a bridge network the adapter runs `bridge` workers on the host network, where the alias is loopback.
  const onHostAfterAll = defaultNetwork === 'bridge' && input.engine?.reachable && !input.engine.hasBridge;
  if (onHostAfterAll) return { defaultNetwork, workerUrl };
  const warning = isLoopback(input.host)
    ? `workers on network ${defaultNetwork} are told to reach the emulator at ${workerUrl}, but it listens on ${input.host} alone, which a bridge network cannot reach: they will never report ready. Listen where the bridge reaches (HOST=0.0.0.0, or the bridge gateway's address), set ORCHESTRATOR_URL, or use DOCKER_DEFAULT_NETWORK=host`
    : `workers on network ${defaultNetwork} reach the emulator at ${workerUrl}: HOST=${input.host} must be reachable from that network`;
  return { defaultNetwork, workerUrl, warning };
}

/** Why a Docker worker could end up on the host network, or undefined when none can. */
export function hostNetworkRisk(
  vars: Record<string, string>,
  engine: EngineProbe | undefined,
): string | undefined {
  const defaultNetwork = vars.DOCKER_DEFAULT_NETWORK || EMULATOR_DEFAULT_NETWORK;
  if (defaultNetwork === 'host')
    return `workers join the host network (DOCKER_DEFAULT_NETWORK=${defaultNetwork})`;
  const allowed = dockerOptionsFromEnv(vars).networkAllowList;
  if (!allowed) return 'a create may ask for the host network (DOCKER_ALLOWED_NETWORKS is not set)';
  if (allowed.includes('host'))
    return 'a create may ask for the host network (DOCKER_ALLOWED_NETWORKS allows it)';
  // The Docker adapter runs `bridge` workers on the host network when the engine has no bridge.
  const usesBridge = defaultNetwork === 'bridge' || allowed.includes('bridge');
  if (usesBridge && !(engine?.reachable && engine.hasBridge)) {
    return 'bridge workers join the host network on an engine without a bridge network, and no bridge network was found';
  }
  return undefined;
}

/** AUTH_MODE=off beside workers that share the host's loopback would make every such worker a manager. */
export function checkAuthOffBesideWorkers(
  vars: Record<string, string>,
  engine: EngineProbe | undefined,
): void {
  const risk = hostNetworkRisk(vars, engine);
  if (!risk) return;
  throw new ConfigError(
    `AUTH_MODE=off is refused with the docker backend when ${risk}: a worker on the host network reaches the emulator on loopback like any local process, and with auth off it could manage every worker. Keep manager keys (unset AUTH_MODE), use BACKENDS=fake, or set DOCKER_DEFAULT_NETWORK and DOCKER_ALLOWED_NETWORKS to non-host networks`,
  );
}
