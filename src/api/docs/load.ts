/**
 * Where `/docs` gets Swagger UI's files: from the bundle (see `assets.ts`), loaded once per instance on the first
 * request for them. Every build that serves HTTP (the functions' bundles, the emulator's workerd module) is made by
 * esbuild, which inlines them; code run unbundled (a test importing the app) has no text to serve and says so.
 *
 * There is deliberately no fallback that reads the package from disk: a computed `import()` of a Node module is
 * refused by workerd's module loader, and would stop the emulator from starting at all.
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
  throw new NotImplementedError(
    "Swagger UI's files are inlined when the orchestrator is bundled; this unbundled run has none to serve",
  );
}
