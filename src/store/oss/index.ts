export { OssStore, type OssStoreOptions } from './adapter';
