/**
 * The Alibaba Cloud OSS object store adapter (experimental): compare-and-swap built from create-only versions.
 *
 * @module
 */
export { OssStore, type OssStoreOptions } from './adapter';
/** The raw client, for the opt-in smoke run that checks OSS's own behaviour. */
export { createOssClient, isFileAlreadyExists, type OssClient } from './client';
