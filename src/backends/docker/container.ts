/**
 * Pure pieces of the Docker adapter: the container-create body (labels, env, hardening, networking, console port),
 * the HiClaw status mapping and the opaque list cursor. No I/O here, so each rule is easy to read and test.
 *
 * @module
 */
import { ValidationError } from '../../errors';
import { type BackendState, LABELS, type WorkerSpec } from '../port';
import { type ContainerInspect, parseDockerTime } from './api';

/** Host port given to the worker console; read back by `status` and used to avoid handing a port out twice. */
export const CONSOLE_PORT_LABEL = 'orchestrator.console-port';

/** The env name the worker's console listens on (the reference entrypoint reads it). */
export const CONSOLE_PORT_ENV = 'WORKER_CONSOLE_PORT';

const HOST_ALIAS = 'host.docker.internal';

export interface EngineFacts {
  /** `linux` gets the `host.docker.internal` alias that Docker Desktop adds by itself elsewhere. */
  os: string;
  /** Whether a `bridge` network exists; without one (dockerd --bridge=none) workers use the host network. */
  hasBridge: boolean;
}

export interface ContainerPlan {
  spec: WorkerSpec;
  network: string;
  /** Checked `host:ip` entries from the spec. */
  extraHosts: string[];
  facts: EngineFacts;
  /** Container port of the console, when the adapter maps one. */
  consolePort?: number;
  /** Host port chosen for the console. */
  hostPort?: number;
}

/** HiClaw's mapping of Docker's state word (contract: running, exited|dead, created|restarting, else unknown). */
export const stateOf = (raw: string): BackendState => {
  if (raw === 'running') return 'running';
  if (raw === 'exited' || raw === 'dead') return 'stopped';
  if (raw === 'created' || raw === 'restarting') return 'starting';
  return 'unknown';
};

/** On Linux, `host.docker.internal` is not there by itself: 127.0.0.1 on the host network, else the gateway. */
export const withHostAlias = (extraHosts: string[], network: string, facts: EngineFacts): string[] => {
  if (facts.os !== 'linux' || extraHosts.some((entry) => entry.startsWith(`${HOST_ALIAS}:`)))
    return extraHosts;
  return [...extraHosts, `${HOST_ALIAS}:${network === 'host' ? '127.0.0.1' : 'host-gateway'}`];
};

/** The `POST /containers/create` body. Never privileged, no binds or mounts, no added capabilities. */
export const containerBody = (plan: ContainerPlan): Record<string, unknown> => {
  const { spec, network, consolePort, hostPort } = plan;
  const labels: Record<string, string> = {
    [LABELS.deployment]: spec.deploymentId,
    [LABELS.worker]: spec.name,
    [LABELS.uid]: spec.uid,
  };
  for (const [key, value] of Object.entries(spec.labels)) labels[`${LABELS.userPrefix}${key}`] = value;

  const env: Record<string, string> = { ...spec.env };
  const hostConfig: Record<string, unknown> = {
    NetworkMode: network,
    RestartPolicy: { Name: 'unless-stopped' },
    ExtraHosts: withHostAlias(plan.extraHosts, network, plan.facts),
    Privileged: false,
    CapAdd: [],
    Binds: [],
    Mounts: [],
    PublishAllPorts: false,
  };
  const body: Record<string, unknown> = { Image: spec.image, Labels: labels, HostConfig: hostConfig };

  if (consolePort !== undefined && hostPort !== undefined) {
    labels[CONSOLE_PORT_LABEL] = String(hostPort);
    if (network === 'host') {
      // No port mapping exists on the host network: the worker listens on the chosen host port itself.
      env[CONSOLE_PORT_ENV] = String(hostPort);
    } else {
      env[CONSOLE_PORT_ENV] = String(consolePort);
      body.ExposedPorts = { [`${consolePort}/tcp`]: {} };
      // Loopback only: the console is for the operator on this machine, not for the network.
      hostConfig.PortBindings = {
        [`${consolePort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }],
      };
    }
  }
  body.Env = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  if (spec.workingDir) body.WorkingDir = spec.workingDir;
  if (spec.resources?.memoryMb) hostConfig.Memory = spec.resources.memoryMb * 1024 * 1024;
  if (spec.resources?.cpuMillicores) hostConfig.NanoCpus = spec.resources.cpuMillicores * 1_000_000;
  return body;
};

/** The console host port of a container: from our label (host network) or its published binding (bridge). */
export const consoleHostPortOf = (container: ContainerInspect, consolePort?: number): number | undefined => {
  const fromLabel = Number(container.Config.Labels?.[CONSOLE_PORT_LABEL]);
  if (Number.isInteger(fromLabel) && fromLabel > 0) return fromLabel;
  if (consolePort === undefined) return undefined;
  const binding = container.NetworkSettings?.Ports?.[`${consolePort}/tcp`]?.[0];
  const published = Number(binding?.HostPort);
  return Number.isInteger(published) && published > 0 ? published : undefined;
};

/** Whether a start failed because the published host port is taken (the engine says so only in words). */
export const isPortConflictMessage = (message: string): boolean =>
  /port is already allocated|address already in use/i.test(message);

// The list cursor is the last container name of the page, wrapped so callers treat it as opaque.
export const encodeCursor = (lastName: string): string => btoa(`c1:${lastName}`).replace(/=+$/, '');

export const decodeCursor = (cursor: string): string => {
  let decoded = '';
  try {
    decoded = atob(cursor);
  } catch {
    // handled below
  }
  if (!decoded.startsWith('c1:'))
    throw new ValidationError('cursor is not a cursor this backend issued', 'cursor');
  return decoded.slice(3);
};

/** A running container as a backend instance (the short id, as `docker ps` and the worker itself show it). */
export const instanceOf = (container: ContainerInspect) => ({
  id: container.Id.slice(0, 12),
  startedAt: parseDockerTime(container.State.StartedAt),
});
