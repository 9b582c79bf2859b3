/**
 * Where `/docs` gets Swagger UI's files, once per instance, on the first request for them:
 * - bundled (the functions' bundles, the emulator's workerd module; esbuild builds them all): from the bundle, where
 *   `assets.ts` inlined them;
 * - unbundled in Node (tests, `tsx`): from the installed `swagger-ui-dist`, through `process.getBuiltinModule`.
 *   Not through `import('node:fs')`: workerd's module loader refuses a computed import outright, and a literal one
 *   would pull Node built-ins into the web-standard bundle.
 * Either way from this machine, never a CDN.
 *
 * @module
 */

import { NotImplementedError } from '../../errors';

export interface DocsAssets {
  script: string;
  style: string;
}

let loaded: Promise<DocsAssets> | undefined;

export function docsAssets(): Promise<DocsAssets> {
  loaded ??= load().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

async function load(): Promise<DocsAssets> {
  const bundled = await import('./assets').catch(() => undefined);
  // Unbundled, the import attribute is not honoured everywhere: a test runner may hand back a module, not text.
  if (typeof bundled?.SCRIPT === 'string' && typeof bundled.STYLE === 'string' && bundled.SCRIPT.length > 0) {
    return { script: bundled.SCRIPT, style: bundled.STYLE };
  }
  const installed = fromInstalledPackage();
  if (installed) return installed;
  throw new NotImplementedError("this build of the orchestrator carries no copy of Swagger UI's files");
}

type BuiltinModule = (id: string) => unknown;
type NodeModule = { createRequire(from: string): { resolve(id: string): string } };
type NodeFs = { readFileSync(path: string, encoding: 'utf8'): string };

function fromInstalledPackage(): DocsAssets | undefined {
  const builtin = (globalThis as { process?: { getBuiltinModule?: BuiltinModule } }).process
    ?.getBuiltinModule;
  if (!builtin) return undefined;
  const { createRequire } = builtin('node:module') as NodeModule;
  const { readFileSync } = builtin('node:fs') as NodeFs;
  const resolve = createRequire(import.meta.url).resolve;
  const read = (file: string) => readFileSync(resolve(`swagger-ui-dist/${file}`), 'utf8');
  return { script: read('swagger-ui-bundle.js'), style: read('swagger-ui.css') };
}
