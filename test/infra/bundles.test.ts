/**
 * The function bundles (`infra/build/bundle.ts`): one per function per platform, each holding only the adapters
 * its function uses, each loadable on its own by a fresh Node process (as Lambda and FC load them), and zipped
 * into archives a standard reader accepts.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltBundle, buildBundles } from '../../infra/build/bundle';
import { zipFiles } from '../../infra/build/zip';
import { IMPORT_ENV, importInFreshProcess } from '../bench/bundles';
import { benchColdHeartbeat } from '../bench/cold-start';
import { zipEntryNames } from '../support/fakes/fc';

let outDir: string;
let bundles: BuiltBundle[];
const bundle = (name: string) => bundles.find((b) => `${b.platform}/${b.fn}` === name)!;
const uses = (b: BuiltBundle, fragment: string) => b.inputs.some((input) => input.includes(fragment));

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'bundles-'));
  bundles = await buildBundles({ outDir, zip: true });
}, 120_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('function bundles', () => {
  it('builds six bundles, all ES modules (the only format esbuild splits): .mjs for Lambda, .js under "type": "module" for FC', () => {
    expect(bundles.map((b) => `${b.platform}/${b.fn}`).sort()).toEqual([
      'aliyun/credentials',
      'aliyun/lifecycle',
      'aliyun/sweeper',
      'aws/credentials',
      'aws/lifecycle',
      'aws/sweeper',
    ]);
    for (const b of bundles)
      expect(b.file.endsWith(b.platform === 'aws' ? 'index.mjs' : 'index.js')).toBe(true);
  });

  it("keeps each platform's bundles free of the other cloud's SDKs", () => {
    for (const b of bundles.filter((b) => b.platform === 'aws')) {
      expect(uses(b, 'node_modules/ali-oss/') || uses(b, 'node_modules/@alicloud/')).toBe(false);
      expect(uses(b, 'src/store/s3/')).toBe(true);
    }
    for (const b of bundles.filter((b) => b.platform === 'aliyun')) {
      expect(uses(b, 'node_modules/@aws-sdk/')).toBe(false);
      expect(uses(b, 'src/store/oss/')).toBe(true);
    }
  });

  it('leaves every backend and credential SDK out of what a cold start loads: they sit in chunks loaded on first use', () => {
    for (const b of bundles) {
      for (const sdk of [
        '@aws-sdk/client-ecs',
        '@aws-sdk/client-sts',
        '@alicloud/sts20150401',
        'src/backends/sae/',
      ])
        expect(
          uses({ ...b, inputs: b.coldInputs }, sdk),
          `${b.platform}/${b.fn} cold start loads ${sdk}`,
        ).toBe(false);
      expect(b.coldBytes).toBeLessThan(b.bytes);
    }
  });

  it('answers a create, a heartbeat and a GET with every lazily loaded chunk deleted: none of them loads a backend or credential SDK', async () => {
    for (const name of ['aws/lifecycle', 'aliyun/lifecycle']) {
      const built = bundle(name);
      const dir = join(outDir, 'cold-only', name);
      await cp(built.dir, dir, { recursive: true });
      for (const file of built.files.filter((f) => !f.cold)) await rm(join(dir, file.name));
      const [row] = await benchColdHeartbeat([{ ...built, dir, file: join(dir, basename(built.file)) }], 1);
      expect([row!.status, row!.get_status], name).toEqual([204, 200]);
    }
  }, 120_000);

  it('gives the sweepers no HTTP app: no route, schema or HTTP framework', () => {
    for (const name of ['aws/sweeper', 'aliyun/sweeper']) {
      expect(uses(bundle(name), 'src/api/'), name).toBe(false);
      expect(uses(bundle(name), 'node_modules/hono/'), name).toBe(false);
    }
  });

  it('gives the credentials function no backend client and the others no STS client', () => {
    expect(uses(bundle('aws/credentials'), '@aws-sdk/client-ecs')).toBe(false);
    expect(uses(bundle('aws/credentials'), '@aws-sdk/client-sts')).toBe(true);
    expect(uses(bundle('aliyun/credentials'), 'src/backends/sae')).toBe(false);
    expect(uses(bundle('aliyun/credentials'), '@alicloud/sts20150401')).toBe(true);
    for (const name of ['aws/lifecycle', 'aws/sweeper']) {
      expect(uses(bundle(name), '@aws-sdk/client-sts/')).toBe(false);
      expect(uses(bundle(name), '@aws-sdk/client-ecs')).toBe(true);
    }
    for (const name of ['aliyun/lifecycle', 'aliyun/sweeper']) {
      expect(uses(bundle(name), '@alicloud/sts20150401')).toBe(false);
      expect(uses(bundle(name), 'src/backends/sae/')).toBe(true);
    }
    for (const b of bundles) expect(uses(b, 'src/backends/docker')).toBe(false);
  });

  it('loads every bundle in a fresh Node process with only its production settings, exporting handler', async () => {
    for (const b of bundles) {
      const probe = await importInFreshProcess(b.file, IMPORT_ENV[b.platform]);
      expect(probe.handler, `${b.platform}/${b.fn}`).toBe('function');
    }
  }, 120_000);

  it('fails a bundle at load with a message naming a missing setting', async () => {
    const { S3_BUCKET: _omitted, ...env } = IMPORT_ENV.aws;
    await expect(importInFreshProcess(bundle('aws/lifecycle').file, env)).rejects.toThrow(/S3_BUCKET/);
  });

  it('zips each bundle with the handler file at the archive root, byte for byte', async () => {
    for (const b of bundles) {
      const files = zipEntryNames(await readFile(b.zip!));
      const name = b.platform === 'aws' ? 'index.mjs' : 'index.js';
      expect(files.get(name)?.equals(await readFile(b.file))).toBe(true);
      expect(JSON.parse(files.get('package.json')!.toString())).toEqual({ type: 'module' });
      // The chunks ship too, under the paths the entry imports them by.
      for (const file of b.files)
        expect(files.has(file.name), `${b.platform}/${b.fn}: ${file.name}`).toBe(true);
    }
  });

  it('writes the same bytes for the same files (fixed timestamps), so unchanged code uploads unchanged', () => {
    const entries = [{ name: 'index.js', data: Buffer.from('exports.handler = async () => 1;\n') }];
    expect(zipFiles(entries).equals(zipFiles(entries))).toBe(true);
    expect(zipEntryNames(zipFiles(entries)).get('index.js')?.toString()).toBe(
      'exports.handler = async () => 1;\n',
    );
  });
});
