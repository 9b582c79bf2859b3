/**
 * Where `/docs` gets Swagger UI's files: from the bundle (see `assets.ts`), or, where the code runs unbundled
 * (tests, `tsx`), from the installed package on disk. Either way from this machine, never a CDN; loaded once per
 * instance, on the first request for them.
 *
 * @module
 */

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
  return fromPackage();
}

/** Node only: the specifier is a variable so no bundler follows it into a web-standard build. */
async function fromPackage(): Promise<DocsAssets> {
  const fsModule = 'node:fs/promises';
  const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
  const read = (file: string) =>
    readFile(new URL(import.meta.resolve(`swagger-ui-dist/${file}`)), 'utf8') as Promise<string>;
  const [script, style] = await Promise.all([read('swagger-ui-bundle.js'), read('swagger-ui.css')]);
  return { script, style };
}
