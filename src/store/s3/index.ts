/**
 * The S3 object store adapter (AWS S3 and S3-compatible stores such as Ceph RGW).
 *
 * @module
 */
export { S3Store, type S3StoreOptions } from './adapter';
