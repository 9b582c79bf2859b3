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
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
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

export interface BuiltFile {
  /** Path relative to the bundle directory: `index.mjs`, `chunks/ecs-XXXX.mjs`. */
  name: string;
  bytes: number;
  /** Loaded at cold start (the entry and its static imports); false: loaded only when its code first runs. */
  cold: boolean;
}

export interface BuiltBundle {
  platform: Platform;
  fn: FunctionName;
  /** Absolute path of the entry file (the handler). */
  file: string;
  /** Directory holding the entry, its chunks and what ships with them. */
  dir: string;
  /** Every code file of the bundle together: the entry and all its chunks. */
  bytes: number;
  /** What a cold start loads before the first request: the entry and the chunks it imports statically. */
  coldBytes: number;
  /** The entry and its chunks; a chunk behind a dynamic `import()` is loaded only when that code first runs. */
  files: BuiltFile[];
  /** Files (repository-relative, packages under node_modules/) with code anywhere in the bundle. */
  inputs: string[];
  /** The same, limited to what a cold start loads (`coldBytes`): what a heartbeat or a GET pays for. */
  coldInputs: string[];
  /** Bytes each package (`zod`, `@aws-sdk/client-s3`) or source folder (`src/api`) adds to the cold start. */
  coldBytesBySource: Record<string, number>;
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

/**
 * `urllib` (under ali-oss) requires `iconv-lite` only to decode a response whose charset is not UTF-8, which OSS
 * never sends (its XML and our objects are UTF-8); bundled, iconv-lite's code tables are ~480 KiB of the Alibaba
 * bundles. Swapped for the same two calls on Node's own `TextDecoder` (Node ships full ICU, so the encodings
 * iconv-lite would decode, GBK included, still decode).
 */
const iconvViaTextDecoder: Plugin = {
  name: 'iconv-via-textdecoder',
  setup(build) {
    build.onResolve({ filter: /^iconv-lite$/ }, () => ({ path: 'iconv-lite', namespace: 'iconv-shim' }));
    build.onLoad({ filter: /.*/, namespace: 'iconv-shim' }, () => ({
      contents:
        'exports.decode = (data, charset) => new TextDecoder(charset).decode(data);\n' +
        'exports.encodingExists = (charset) => { try { new TextDecoder(charset); return true; } catch { return false; } };\n',
      loader: 'js',
    }));
  },
};

/** A real `require` for bundled CommonJS code inside an ES module (Node built-ins are loaded through it). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __orchestratorCreateRequire } from 'node:module';" +
  'const require = __orchestratorCreateRequire(import.meta.url);';

/** `node_modules/@aws-sdk/core/dist-es/x.js` → `@aws-sdk/core`; `src/api/app.ts` → `src/api`. */
function sourceOf(path: string): string {
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  const parts = path.split(/[\\/]/);
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.join('/');
}

export async function buildBundle(target: BundleTarget, outDir = DEFAULT_OUT_DIR): Promise<BuiltBundle> {
  const dir = join(outDir, target.dir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const extension = target.file.endsWith('.mjs') ? '.mjs' : '.js';
  const result = await build({
    entryPoints: { index: target.entry },
    absWorkingDir: REPO_ROOT,
    outdir: dir,
    // Code behind a dynamic import() goes to its own chunk, loaded on first use: the backend and credential SDKs
    // stay out of a cold start. Chunk names carry a content hash, so a new deployment never mixes two builds.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': extension },
    bundle: true,
    minify: true,
    treeShaking: true,
    platform: 'node',
    format: target.format,
    target: target.target,
    // Prefer packages' ES module builds: esbuild can drop what is unused from them, not from CommonJS.
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    define: { 'process.env.NODE_ENV': '"production"' },
    external: OPTIONAL_REQUIRES,
    plugins: [zodEnglishOnly, iconvViaTextDecoder],
    legalComments: 'external',
    metafile: true,
    logLevel: 'error',
  });
  // Says what the `.js` files are, whatever package.json is above them (this repository is "type": "module").
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  const outputs = result.metafile.outputs;
  // Output paths are relative to absWorkingDir (the repository). Chunks behind a dynamic import() carry an
  // `entryPoint` too, so the entry is found by its file name.
  const entryKey = Object.keys(outputs).find((key) => join(REPO_ROOT, key) === join(dir, target.file))!;
  // What a cold start loads: the entry and, transitively, the chunks it imports statically. What the function can
  // ever load adds the chunks behind dynamic imports.
  const reach = (kinds: readonly string[]) => {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key) || !outputs[key]) return;
      seen.add(key);
      for (const imported of outputs[key]!.imports)
        if (kinds.includes(imported.kind) && !imported.external) visit(imported.path);
    };
    visit(entryKey);
    return seen;
  };
  const cold = reach(['import-statement']);
  const codeKeys = [...reach(['import-statement', 'dynamic-import'])];
  // esbuild writes a chunk for every import() in the module graph, even one in code tree shaking dropped (the
  // credentials root never calls the ECS factory that shares its file): such a chunk can never load, so it is
  // not shipped.
  for (const key of Object.keys(outputs))
    if (!codeKeys.includes(key) && !codeKeys.some((code) => key === `${code}.LEGAL.txt`))
      await rm(join(REPO_ROOT, key), { force: true });
  const inputsOf = (keys: string[]) => [
    ...new Set(
      keys.flatMap((key) =>
        Object.entries(outputs[key]!.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => relative(REPO_ROOT, join(REPO_ROOT, path))),
      ),
    ),
  ];
  const files = codeKeys.map((key) => ({
    name: relative(dir, join(REPO_ROOT, key)),
    bytes: outputs[key]!.bytes,
    cold: cold.has(key),
  }));
  const sum = (keys: Iterable<string>) => [...keys].reduce((total, key) => total + outputs[key]!.bytes, 0);
  const coldBytesBySource: Record<string, number> = {};
  for (const key of cold) {
    for (const [path, input] of Object.entries(outputs[key]!.inputs)) {
      const source = sourceOf(path);
      coldBytesBySource[source] = (coldBytesBySource[source] ?? 0) + input.bytesInOutput;
    }
  }
  return {
    platform: target.platform,
    fn: target.fn,
    file: join(dir, target.file),
    dir,
    bytes: sum(codeKeys),
    coldBytes: sum(cold),
    files,
    inputs: inputsOf(codeKeys),
    coldInputs: inputsOf([...cold]),
    coldBytesBySource,
  };
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

/** The bundle directory's files (entry, chunks, package.json) at the zip's root, where the handler is looked up. */
export async function zipBundle(bundle: BuiltBundle, zipPath: string): Promise<string> {
  const code = bundle.files.map((file) => file.name);
  // Each file's licence notices (esbuild's `legalComments: 'external'`), where it has any.
  const legal = code.map((name) => `${name}.LEGAL.txt`).filter((name) => existsSync(join(bundle.dir, name)));
  const names = ['package.json', ...code, ...legal];
  const entries = await Promise.all(
    names.map(async (name) => ({
      name: name.split(sep).join('/'),
      data: await readFile(join(bundle.dir, name)),
    })),
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
      `cold start loads ${(bundle.coldBytes / 1024).toFixed(1)} KiB`,
    );
  }
}
