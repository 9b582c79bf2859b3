/**
 * The credentials function's app: `/credentials/sts` (added by the platform through `extend`) and the meta routes,
 * without importing a single lifecycle route, so that function's bundle carries none of their schemas.
 *
 * @module
 */

import { type AppOptions, buildApp } from './app-base';

export function createCredentialsApp(options: AppOptions) {
  return buildApp({ ...options, only: (options.only ?? ['extra', 'meta']).filter((g) => g !== 'lifecycle') });
}
