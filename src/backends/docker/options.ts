/**
 * What a Docker backend is built with: the transport, the deployment it serves, its policy and its bounds.
 *
 * @module
 */
import type { DockerFetch } from './api';
import type { PortRange } from './console-port';
import type { DockerPolicy } from './policy';

export interface DockerBackendOptions extends DockerPolicy {
  /** Transport to the Engine API: paths like `/containers/json`, web `Request` semantics. */
  fetch: DockerFetch;
  /** This deployment's id: `list()` returns only containers labelled with it. */
  deploymentId: string;
  /** Container port of the worker console; when set, every worker gets a host port for it (`consoleHostPort`). */
  consolePort?: number;
  /** Host ports the console may be given (default 20000–29999). */
  consolePortRange?: PortRange;
  /** Network for specs that name none (default `bridge` where the engine has one, else `host`). */
  defaultNetwork?: string;
  /** Bound on pulling a missing image (default 60 s): a slow or black-holed registry is an error, not a hang. */
  pullTimeoutMs?: number;
  /** Bound on every other engine call (default 15 s). */
  requestTimeoutMs?: number;
  /** Seconds `stop` gives the worker to exit before the engine kills it (default 5). */
  stopTimeoutSeconds?: number;
}
