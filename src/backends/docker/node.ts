/**
 * The Docker adapter's Node-only door: the Engine API over the unix socket. It is apart from `index.ts` so that the
 * workerd bundle, which reaches the engine through the emulator's outbound service, never sees `node:http`.
 *
 * @module
 */
export { createDockerSocketFetch, DEFAULT_DOCKER_SOCKET } from './socket';
