export { type DriveResult, Driver } from './operation';
