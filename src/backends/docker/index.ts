/**
 * The Docker Engine backend (local development). Node-only socket access is behind `node.ts`.
 *
 * @module
 */
export { DockerBackend, type DockerBackendOptions, type DockerFetch } from './adapter';
export { createDockerSocketFetch, DEFAULT_DOCKER_SOCKET } from './node';
