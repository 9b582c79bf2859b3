/**
 * What the Docker adapter lets a worker spec ask for: images from allowed registries, allowed networks and extra
 * hosts, well-formed env names and working dir. Every refusal is a `BackendRejectedError` (400) naming the API field
 * (`image`, `network`, `extra_hosts`, `env`, `working_dir`), checked before any engine call.
 *
 * An allow-list that is not configured allows everything (local development); an empty list allows nothing.
 *
 * @module
 */
import { BackendRejectedError } from '../../errors';
import type { WorkerSpec } from '../port';

export interface DockerPolicy {
  /** Docker networks a spec may name (`host`, `bridge`, user networks). */
  networkAllowList?: string[];
  /** `host` (any address) or `host:ip` (that mapping only). */
  extraHostsAllowList?: string[];
  /** Registry hosts images may come from; an image without a registry is from `docker.io`. */
  registryAllowList?: string[];
}

// Docker's own character set for references; the engine checks the finer grammar and we map its 400.
const IMAGE_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]{0,254}$/;
const NETWORK_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const HOST_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;
const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6_PATTERN = /^[0-9a-fA-F:.]{2,45}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry host of an image reference, as Docker resolves it (`nginx` and `user/app` are on docker.io). */
export const registryOf = (image: string): string => {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash).toLowerCase();
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!isHost || DOCKER_HUB_ALIASES.has(first)) return 'docker.io';
  return first;
};

/** `fromImage` and `tag` for `POST /images/create`; a digest reference pulls by digest. */
export const pullParams = (image: string): { fromImage: string; tag: string } => {
  const at = image.indexOf('@');
  if (at >= 0) return { fromImage: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/'))
    return { fromImage: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { fromImage: image, tag: 'latest' };
};

export const checkImage = (image: string, allowList?: string[]): void => {
  if (!IMAGE_PATTERN.test(image) || image.includes('..') || image.includes('//')) {
    throw new BackendRejectedError(
      `image ${JSON.stringify(image)} is not a valid image reference`,
      'image',
      'invalid_image',
    );
  }
  if (!allowList) return;
  const registry = registryOf(image);
  const allowed = allowList.some((entry) => {
    const host = entry.toLowerCase();
    return host === registry || (DOCKER_HUB_ALIASES.has(host) && registry === 'docker.io');
  });
  if (!allowed) {
    throw new BackendRejectedError(
      `image registry ${registry} is not in the allowed registries (${allowList.join(', ') || 'none'})`,
      'image',
      'registry_not_allowed',
    );
  }
};

export const checkNetwork = (network: string | undefined, allowList?: string[]): void => {
  if (network === undefined) return;
  // The pattern also keeps out `container:<id>`, which would join another container's network namespace.
  if (!NETWORK_PATTERN.test(network)) {
    throw new BackendRejectedError(
      `network ${JSON.stringify(network)} is not a valid network name`,
      'network',
      'invalid_network',
    );
  }
  if (allowList && !allowList.includes(network)) {
    throw new BackendRejectedError(
      `network ${network} is not in the allowed networks (${allowList.join(', ') || 'none'})`,
      'network',
      'network_not_allowed',
    );
  }
};

/** Validates `host:ip` entries against the allow-list and returns them unchanged. */
export const checkExtraHosts = (entries: string[] | undefined, allowList?: string[]): string[] => {
  const checked: string[] = [];
  for (const entry of entries ?? []) {
    // Split at the first colon: the address may be IPv6 and contain more.
    const colon = entry.indexOf(':');
    const host = colon > 0 ? entry.slice(0, colon) : '';
    const ip = colon > 0 ? entry.slice(colon + 1) : '';
    const validIp =
      IPV4_PATTERN.test(ip) || (ip.includes(':') && IPV6_PATTERN.test(ip)) || ip === 'host-gateway';
    if (!HOST_PATTERN.test(host) || !validIp) {
      throw new BackendRejectedError(
        `extra_hosts entry ${JSON.stringify(entry)} is not of the form host:ip`,
        'extra_hosts',
        'invalid_extra_host',
      );
    }
    if (allowList && !allowList.some((allowed) => allowed === host || allowed === `${host}:${ip}`)) {
      throw new BackendRejectedError(
        `extra_hosts entry ${host} is not in the allowed extra hosts (${allowList.join(', ') || 'none'})`,
        'extra_hosts',
        'extra_host_not_allowed',
      );
    }
    checked.push(`${host}:${ip}`);
  }
  return checked;
};

/** Env names the engine would misread (an `=` splits the pair) and relative working dirs are refused. */
export const checkEnvAndWorkingDir = (spec: WorkerSpec): void => {
  for (const name of Object.keys(spec.env)) {
    if (!ENV_NAME_PATTERN.test(name)) {
      throw new BackendRejectedError(
        `env name ${JSON.stringify(name)} is not a valid variable name`,
        'env',
        'invalid_env',
      );
    }
  }
  if (spec.workingDir !== undefined && !spec.workingDir.startsWith('/')) {
    throw new BackendRejectedError(
      'working_dir must be an absolute path',
      'working_dir',
      'invalid_working_dir',
    );
  }
};

export const checkSpec = (spec: WorkerSpec, policy: DockerPolicy): string[] => {
  checkImage(spec.image, policy.registryAllowList);
  checkNetwork(spec.network, policy.networkAllowList);
  checkEnvAndWorkingDir(spec);
  return checkExtraHosts(spec.extraHosts, policy.extraHostsAllowList);
};
