/**
 * Which bundles exist: one per function per platform, and how each is built.
 *
 * - AWS Lambda (`nodejs22.x`, arm64): an ES module, `index.mjs`. Lambda loads `.mjs` natively; Hono, zod and the
 *   AWS SDK v3 all publish ES modules, which esbuild tree-shakes far better than their CommonJS builds, and an
 *   ES module entry lets Lambda's Node 22 cache the compiled module. The banner gives bundled CommonJS code
 *   (a few SDK dependencies still `require` Node built-ins) a real `require`.
 * - Alibaba FC 3.0 (`nodejs20`): also an ES module, as `index.js` beside a `package.json` saying `"type":
 *   "module"`. FC's Node.js 18+ runtimes load ES module handlers that way ("Specify a handler as an ES module",
 *   https://www.alibabacloud.com/help/en/functioncompute/node-js, updated Oct 23, 2025), and the handler name
 *   stays `index.handler`.
 *
 * Both are ES modules because only ES modules can be split (esbuild's `splitting` needs `format: 'esm'`): the
 * code behind a dynamic `import()` (backend and credential SDKs) goes to chunk files loaded on first use, so a
 * heartbeat's cold start loads the entry and its static imports only.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';

export const PLATFORMS = ['aws', 'aliyun'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const FUNCTION_NAMES = ['lifecycle', 'credentials', 'sweeper'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface BundleTarget {
  platform: Platform;
  fn: FunctionName;
  /** Absolute path of the entry in `functions/`. */
  entry: string;
  /** Directory of this bundle, relative to the output root: `aws/lifecycle`. */
  dir: string;
  /** File name inside `dir`. */
  file: 'index.mjs' | 'index.js';
  format: 'esm';
  /** esbuild target: the runtime's Node version. */
  target: 'node22' | 'node20';
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

export function bundleTargets(): BundleTarget[] {
  return PLATFORMS.flatMap((platform) =>
    FUNCTION_NAMES.map((fn) => ({
      platform,
      fn,
      entry: fileURLToPath(new URL(`../../functions/${platform}/${fn}.ts`, import.meta.url)),
      dir: `${platform}/${fn}`,
      ...(platform === 'aws'
        ? { file: 'index.mjs' as const, format: 'esm' as const, target: 'node22' as const }
        : { file: 'index.js' as const, format: 'esm' as const, target: 'node20' as const }),
    })),
  );
}
