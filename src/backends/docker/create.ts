/**
 * Creating one container of a worker under a given name: the network and console port it gets, the engine's
 * refusals mapped to the spec field at fault, and no half-made container left behind on any failure.
 *
 * @module
 */
import { BackendRejectedError } from '../../errors';
import type { CreatedResource, WorkerSpec } from '../port';
import { type DockerApi, engineError, engineMessage, jsonOf } from './api';
import {
  ConsolePortConflict,
  chooseConsolePort,
  consolePortTakenByOther,
  DEFAULT_CONSOLE_RANGE,
} from './console-port';
import { containerBody } from './container';
import type { EngineFactsCache } from './engine-facts';
import type { DockerBackendOptions } from './options';
import { adopt } from './ownership';
import { startContainer } from './start-stop';

// Two creates can pick the same free port at once; a few fresh picks settle it.
const CONSOLE_PORT_ATTEMPTS = 5;

export interface ContainerRequest {
  spec: WorkerSpec;
  /** The worker's resource name, or an update's `<name>-next`. */
  name: string;
  /** Checked `host:ip` entries from the spec. */
  extraHosts: string[];
  /** Start it too (a create), or leave it created (an update's successor, started once the old one stopped). */
  start: boolean;
}

export async function createContainer(
  api: DockerApi,
  options: DockerBackendOptions,
  engine: EngineFactsCache,
  { spec, name, extraHosts, start }: ContainerRequest,
): Promise<CreatedResource> {
  const facts = await engine.get();
  const requested = spec.network ?? options.defaultNetwork;
  const network = !requested || requested === 'bridge' ? (facts.hasBridge ? 'bridge' : 'host') : requested;
  const consolePort = options.consolePort;
  for (let attempt = 1; ; attempt++) {
    const hostPort =
      consolePort === undefined
        ? undefined
        : await chooseConsolePort(api, options.consolePortRange ?? DEFAULT_CONSOLE_RANGE);
    const body = containerBody({ spec, network, extraHosts, facts, consolePort, hostPort });
    const reply = await api.request('/containers/create', {
      method: 'POST',
      query: { name },
      json: body,
    });
    if (reply.status === 409 && start) {
      // A concurrent create took the name between our inspect and this call: adopt it if it is ours. (An
      // update's successor is never adopted: its leftover was removed first, so a 409 there is an error.)
      const existing = await api.inspectContainer(name);
      if (existing) return adopt(api, existing, spec, options.consolePort);
    }
    if (reply.status === 404) {
      const message = engineMessage(reply);
      if (/network/i.test(message)) {
        throw new BackendRejectedError(
          `network ${network} does not exist: ${message}`,
          'network',
          'network_not_found',
        );
      }
      throw new BackendRejectedError(
        `image ${spec.image} is not available: ${message}`,
        'image',
        'image_not_found',
      );
    }
    if (reply.status !== 201) throw engineError(reply, `creating container ${name}`);
    const id = jsonOf<{ Id: string }>(reply).Id;
    try {
      if (
        hostPort !== undefined &&
        network === 'host' &&
        (await consolePortTakenByOther(api, hostPort, id))
      ) {
        throw new ConsolePortConflict(`console port ${hostPort} was taken by another container`);
      }
      if (start) await startContainer(api, id);
      return {
        ref: { resourceName: name, id },
        ...(hostPort === undefined ? {} : { consoleHostPort: hostPort }),
      };
    } catch (error) {
      // Never leave a half-made container behind.
      await api.removeContainer(id).catch(() => undefined);
      if (error instanceof ConsolePortConflict && attempt < CONSOLE_PORT_ATTEMPTS) continue;
      throw error;
    }
  }
}
