export { DockerBackend, type DockerBackendOptions, type DockerFetch } from './adapter';
export { createDockerSocketFetch, DEFAULT_DOCKER_SOCKET } from './socket';
