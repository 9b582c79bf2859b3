/**
 * The Alibaba Cloud SAE backend: one application per worker, change orders serialized.
 *
 * @module
 */
export { SaeBackend, type SaeBackendOptions } from './adapter';
