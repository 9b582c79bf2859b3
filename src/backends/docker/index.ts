/**
 * The Docker Engine backend (local development). Node-only socket access is behind `node.ts`.
 *
 * @module
 */
export { DockerBackend, type DockerBackendOptions, type DockerFetch, nextNameOf } from './adapter';
export { NOT_SENT_HEADER } from './api';
