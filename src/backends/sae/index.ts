/**
 * The Alibaba Cloud SAE backend: one application per worker, change orders serialized.
 *
 * @module
 */
export { SaeBackend, type SaeBackendOptions } from './adapter';
/** The raw client and its error, for the opt-in smoke run that checks SAE's own behaviour. */
export { SaeApiError, SaeClient } from './client';
