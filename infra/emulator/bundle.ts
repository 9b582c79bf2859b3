/**
 * Bundles the emulator's workerd module (`functions/emulator/worker.ts`) into one ES module for miniflare.
 * workerd resolves no packages, so hono, zod and `src/` are all inlined; `workerd` comes first among the export
 * conditions so a package's workerd build is preferred to its Node one.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const WORKER_ENTRY = fileURLToPath(new URL('../../functions/emulator/worker.ts', import.meta.url));

/** Writes `<outDir>/worker.mjs` (and its source map) and returns the script's path. */
export async function bundleWorker(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, 'worker.mjs');
  await build({
    entryPoints: [WORKER_ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}
