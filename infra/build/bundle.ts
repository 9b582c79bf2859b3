/**
 * Builds one minified, tree-shaken bundle per function per platform into `dist/<platform>/<function>/`, and (for
 * `--zip`) the deployment zip beside each. Each bundle holds only what its entry imports: the roots have one
 * factory per function, so the credentials bundle carries no backend client and the AWS bundles no Alibaba SDK.
 * Every dependency is inlined: nothing from `node_modules` is shipped, so devDependencies cannot leak in.
 *
 * `tsx infra/build/bundle.ts [--zip]` builds all six and prints their sizes. The serverless.yml plugin and the
 * Alibaba deploy script call `buildBundles()` themselves.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import {
  type BundleTarget,
  bundleTargets,
  DEFAULT_OUT_DIR,
  type FunctionName,
  PLATFORMS,
  type Platform,
  REPO_ROOT,
} from './targets';
import { zipFiles } from './zip';

export interface BuiltBundle {
  platform: Platform;
  fn: FunctionName;
  /** Absolute path of the bundle file. */
  file: string;
  /** Directory holding the bundle and what ships with it. */
  dir: string;
  bytes: number;
  /** Files (repository-relative, packages under node_modules/) with code in the bundle, from esbuild's metafile. */
  inputs: string[];
  /** The deployment zip, when asked for. */
  zip?: string;
}

/**
 * Lazily required, optional packages that are not installed: `urllib` (under ali-oss) requires `proxy-agent` only
 * when a proxy is configured, which the functions never do. Left as a `require` that is never reached.
 */
const OPTIONAL_REQUIRES = ['proxy-agent'];

/**
 * zod's `z` namespace re-exports every message locale (about 250 KB minified), and materialising the namespace
 * keeps them all. The functions only ever use the default English messages, so zod's locale index is swapped for
 * one that exports `en` alone. (Matched by path: on a zod layout without that file nothing is swapped.)
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      const english = join(dirname(args.importer), '../locales/en.js');
      if (!/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) || !existsSync(english))
        return undefined;
      return { path: english, namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/** A real `require` for bundled CommonJS code inside an ES module (Node built-ins are loaded through it). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __orchestratorCreateRequire } from 'node:module';" +
  'const require = __orchestratorCreateRequire(import.meta.url);';

export async function buildBundle(target: BundleTarget, outDir = DEFAULT_OUT_DIR): Promise<BuiltBundle> {
  const dir = join(outDir, target.dir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const file = join(dir, target.file);
  const result = await build({
    entryPoints: [target.entry],
    outfile: file,
    bundle: true,
    minify: true,
    treeShaking: true,
    platform: 'node',
    format: target.format,
    target: target.target,
    // Prefer packages' ES module builds: esbuild can drop what is unused from them, not from CommonJS.
    mainFields: ['module', 'main'],
    ...(target.format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    define: { 'process.env.NODE_ENV': '"production"' },
    external: OPTIONAL_REQUIRES,
    plugins: [zodEnglishOnly],
    legalComments: 'external',
    metafile: true,
    logLevel: 'error',
  });
  // Says what `index.js` is, whatever package.json is above it (this repository is "type": "module").
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ type: target.format === 'esm' ? 'module' : 'commonjs' })}\n`,
  );
  // What made it into the output: inputs that tree shaking dropped entirely are not listed (or have 0 bytes).
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => relative(REPO_ROOT, join(REPO_ROOT, path)));
  return { platform: target.platform, fn: target.fn, file, dir, bytes: (await stat(file)).size, inputs };
}

/** Builds every bundle (or those of one platform); with `zip`, also `dist/<platform>/<function>.zip`. */
export async function buildBundles(
  options: { outDir?: string; platform?: Platform; zip?: boolean } = {},
): Promise<BuiltBundle[]> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const targets = bundleTargets().filter((t) => !options.platform || t.platform === options.platform);
  const built = await Promise.all(targets.map((target) => buildBundle(target, outDir)));
  if (options.zip) {
    for (const bundle of built)
      bundle.zip = await zipBundle(bundle, join(outDir, bundle.platform, `${bundle.fn}.zip`));
  }
  return built;
}

/** The bundle directory's files at the zip's root, where Lambda and FC look for `index.handler`. */
export async function zipBundle(bundle: BuiltBundle, zipPath: string): Promise<string> {
  const names = [bundle.file.slice(bundle.dir.length + 1), 'package.json'];
  const legal = `${names[0]}.LEGAL.txt`;
  const withLegal = await stat(join(bundle.dir, legal)).then(
    () => [...names, legal],
    () => names,
  );
  const entries = await Promise.all(
    withLegal.map(async (name) => ({ name, data: await readFile(join(bundle.dir, name)) })),
  );
  await writeFile(zipPath, zipFiles(entries));
  return zipPath;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const platform = process.argv.find((arg) => arg.startsWith('--platform='))?.slice('--platform='.length);
  if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
    throw new Error(`--platform must be one of ${PLATFORMS.join(', ')}`);
  }
  const built = await buildBundles({
    zip: process.argv.includes('--zip'),
    ...(platform ? { platform: platform as Platform } : {}),
  });
  for (const bundle of built) {
    console.log(
      `${bundle.platform}/${bundle.fn}`.padEnd(20),
      `${(bundle.bytes / 1024).toFixed(1)} KiB`.padStart(12),
    );
  }
}
