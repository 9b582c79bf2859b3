/**
 * What package.json promises about the function bundles: a package the deployed code never loads is a
 * devDependency (the FC deploy SDK is used by `npm run deploy:aliyun` alone), and the AWS SDK clients move together
 * (one range, so they share one `@aws-sdk/core` and the bundles carry one copy of it).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '../../infra/build/bundle';
import { REPO_ROOT } from '../../infra/build/targets';

const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('package.json', () => {
  it('keeps @alicloud/fc20230330 a devDependency, and no function bundle contains it', async () => {
    expect(manifest.dependencies['@alicloud/fc20230330']).toBeUndefined();
    expect(manifest.devDependencies['@alicloud/fc20230330']).toBeDefined();
    const outDir = await mkdtemp(join(tmpdir(), 'deps-'));
    try {
      const bundles = await buildBundles({ outDir });
      expect(bundles).toHaveLength(6);
      for (const bundle of bundles) {
        expect(
          bundle.inputs.filter((input) => input.includes('@alicloud/fc20230330')),
          `${bundle.platform}/${bundle.fn}`,
        ).toEqual([]);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('gives every AWS SDK client the same version range', () => {
    const ranges = Object.entries(manifest.dependencies).filter(([name]) =>
      name.startsWith('@aws-sdk/client-'),
    );
    expect(ranges.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ranges.map(([, range]) => range)).size).toBe(1);
  });
});
