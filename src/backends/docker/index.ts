/**
 * The Docker Engine backend (local development). Node-only socket access is behind `node.ts`.
 *
 * @module
 */
export { DockerBackend, type DockerFetch } from './adapter';
export { NOT_SENT_HEADER } from './api';
export type { DockerBackendOptions } from './options';
export { nextNameOf } from './ownership';
