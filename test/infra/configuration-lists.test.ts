/**
 * The configuration variables have one source, `src/config/variables.ts`; every other list is checked against it
 * here: serverless.yml (resolved offline by the real osls CLI), the FC deploy script's per-function environments
 * (and so s.yaml, which s-yaml.test.ts keeps equal to them), and the README. A name a deployment leaves out is
 * listed with its reason in `NOT_DEPLOYED`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentNames, type FcFunctionName } from '../../infra/aliyun/function-env';
import { REPO_ROOT } from '../../infra/build/targets';
import {
  ECS_VARIABLES,
  LIFECYCLE_VARIABLES,
  NOT_DEPLOYED,
  SAE_VARIABLES,
  STATE_VARIABLES,
  STS_VARIABLES,
  SWEEPER_VARIABLES,
} from '../../src/config/variables';

const { declaredParams } = (await import('../../infra/build/osls-settings.mjs' as string)) as {
  declaredParams: (yml: string) => Record<string, string>;
};

/** Which groups each function reads, by platform. */
const READS = {
  lifecycle: [STATE_VARIABLES, LIFECYCLE_VARIABLES],
  sweeper: [STATE_VARIABLES, LIFECYCLE_VARIABLES, SWEEPER_VARIABLES],
  credentials: [STATE_VARIABLES, STS_VARIABLES],
} as const;
const expected = (
  fn: keyof typeof READS,
  backend: readonly string[],
  skip: Partial<Record<string, string>>,
) =>
  [...READS[fn].flat(), ...(fn === 'credentials' ? [] : backend)].filter((name) => skip[name] === undefined);

let readme: string;
let aws: Record<string, Record<string, unknown>>;
let declared: Record<string, string>;

beforeAll(async () => {
  readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  declared = declaredParams(await readFile(join(REPO_ROOT, 'serverless.yml'), 'utf8'));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'), 'print', '--stage', 'test', '--format', 'json'],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 },
  );
  const config = JSON.parse(stdout);
  aws = Object.fromEntries(
    Object.entries(config.functions as Record<string, { environment: Record<string, unknown> }>).map(
      ([fn, f]) => [fn, { ...config.provider.environment, ...f.environment }],
    ),
  );
}, 90_000);

describe('configuration lists, checked against src/config/variables.ts', () => {
  it('serverless.yml hands each AWS function every variable of the groups it reads', () => {
    const skip = NOT_DEPLOYED.aws;
    for (const [fn, code] of [
      ['lifecycle', 'lifecycle'],
      ['ensureReady', 'lifecycle'],
      ['sweeper', 'sweeper'],
      ['credentials', 'credentials'],
    ] as const) {
      const missing = expected(code, ECS_VARIABLES, skip).filter((name) => !(name in aws[fn]!));
      expect(missing, fn).toEqual([]);
    }
  });

  it('the FC deploy script (and so s.yaml) hands each function every variable of the groups it reads', () => {
    const skip = NOT_DEPLOYED.aliyun;
    for (const [fn, code] of [
      ['lifecycle', 'lifecycle'],
      ['ensure-ready', 'lifecycle'],
      ['sweeper', 'sweeper'],
      ['credentials', 'credentials'],
    ] as const) {
      const { fixed, forwarded } = environmentNames(fn as FcFunctionName);
      const given = new Set([...Object.keys(fixed), ...forwarded]);
      expect(
        expected(code, SAE_VARIABLES, skip).filter((name) => !given.has(name)),
        fn,
      ).toEqual([]);
    }
  });

  it('the README documents every variable of every group', () => {
    const all = [
      ...STATE_VARIABLES,
      ...LIFECYCLE_VARIABLES,
      ...SWEEPER_VARIABLES,
      ...STS_VARIABLES,
      ...ECS_VARIABLES,
      ...SAE_VARIABLES,
    ];
    expect(all.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it("the README's AWS section documents every serverless.yml param by its variable and its param name", () => {
    const section = readme.slice(
      readme.indexOf('## Deploy on AWS'),
      readme.indexOf('## Deploy on Alibaba Cloud'),
    );
    for (const [param, env] of Object.entries(declared)) {
      expect(section, env).toContain(`\`${env}\``);
      expect(section, param).toContain(`\`${param}\``);
    }
  });
});
