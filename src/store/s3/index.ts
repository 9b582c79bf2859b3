export { S3Store, type S3StoreOptions } from './adapter';
