/**
 * The AWS composition roots: S3 state, ECS workers, AWS STS credentials, for the three Lambda functions. One
 * module per function (`aws/http.ts` for lifecycle and credentials, `aws/sweeper.ts`), so that each function's
 * entry imports only what it serves and esbuild leaves the rest out of its bundle; this file gathers them for
 * tests and tools. Every factory reads its configuration once (at cold start, where a `ConfigError` naming the
 * variable fails the init loudly) and composes lazily (the first request pays for the store round trip).
 *
 * @module
 */

export { awsCredentials } from './aws/credentials';
export { awsLifecycle, lambdaApp } from './aws/http';
export { ECS_FACTS } from './aws/state';
export { awsSweeper, type Sweeper, scheduledHandler } from './aws/sweeper';
