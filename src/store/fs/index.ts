/**
 * The local directory object store adapter (Node): per-key lock files and atomic renames.
 *
 * @module
 */
export { FsStore, type FsStoreOptions } from './adapter';
