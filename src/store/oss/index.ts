/**
 * The Alibaba Cloud OSS object store adapter (experimental): compare-and-swap built from create-only versions.
 *
 * @module
 */
export { OssStore, type OssStoreOptions } from './adapter';
export { createOssClient, isFileAlreadyExists, type OssClient } from './client';
