/**
 * The Alibaba Cloud composition roots: OSS state, SAE workers, Alibaba STS credentials, for the three FC 3.0
 * functions. One module per function (`aliyun/http.ts` for lifecycle and credentials, `aliyun/sweeper.ts`), so
 * that each function's entry imports only what it serves and esbuild leaves the rest out of its bundle; this
 * file gathers them for tests and tools.
 *
 * @module
 */

export { aliyunCredentials } from './aliyun/credentials';
export { aliyunLifecycle } from './aliyun/http';
export { FunctionCredentials, SAE_FACTS } from './aliyun/state';
export { aliyunSweeper } from './aliyun/sweeper';
