/**
 * The `sae-lifecycle` smoke step through the real SAE adapter and `@alicloud/openapi-client` against the
 * protocol-level SAE fake: a run that passes, and one against a fake that keeps the old instance through a
 * deploy despite `MinReadyInstances=0` (the behaviour the step exists to catch), where the deploy row fails and
 * the application is still removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { type FakeSaeOptions, FakeSaeServer } from '../../support/fakes/sae';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/smoke/echo:1';
let sae: FakeSaeServer | undefined;
afterEach(async () => {
  await sae?.close();
  sae = undefined;
});

async function smoke(options: FakeSaeOptions = {}, before: (fake: FakeSaeServer) => void = () => {}) {
  sae = await FakeSaeServer.start({ changeOrderMs: 120, images: [IMAGE], ...options });
  before(sae);
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aliyun', '--yes'],
    {
      ALIBABA_CLOUD_ACCESS_KEY_ID: sae.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: sae.credentials.accessKeySecret,
      SAE_REGION: 'cn-hangzhou',
      SAE_ENDPOINT: sae.endpoint,
      SAE_PROTOCOL: 'http',
      SMOKE_SAE_IMAGE: IMAGE,
      SMOKE_POLL_MS: '10',
      SMOKE_TIMEOUT_MS: '5000',
    },
    { out: (line) => output.push(line), run: 'smoke-sae' },
  );
  const appName = sae.requestsFor('CreateApplication')[0]?.query.AppName ?? '';
  return { code, text: output.join('\n'), appName };
}

const row = (text: string, id: string) => text.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';

describe('smoke: sae-lifecycle', () => {
  it('creates, deploys with one instance at a time, stops, starts and deletes; nothing is left', async () => {
    const { code, text, appName } = await smoke();
    expect(code, text).toBe(0);
    expect(row(text, 'sae-lifecycle: create')).toMatch(
      /running \(RUNNING\), 1 instance\(s\).*listed under the run tag.*\| PASS/,
    );
    expect(row(text, 'sae-lifecycle: second change during deploy')).toMatch(
      /refused: Application\.ChangerOrderRunning +\| PASS/,
    );
    expect(row(text, 'sae-lifecycle: deploy')).toMatch(/at most 1 alive at once +\| PASS/);
    expect(row(text, 'sae-lifecycle: stop')).toMatch(/stopped \(STOPPED\), 0 instance\(s\).*\| PASS/);
    expect(row(text, 'sae-lifecycle: start')).toMatch(/running \(RUNNING\), 1 instance\(s\).*\| PASS/);
    expect(row(text, 'sae-lifecycle: delete')).toMatch(/not_found \(NOT_FOUND\).*\| PASS/);
    expect(row(text, 'sae-lifecycle: cleanup')).toMatch(/removed SAE application .*\| PASS/);
    // Named and tagged for the run, and gone.
    expect(appName).toMatch(/^smokes-smoke-[0-9a-f]{8}$/);
    const deploy = sae!.requestsFor('DeployApplication')[0]!;
    expect(deploy.query.MinReadyInstances).toBe('0');
    const tagged = JSON.parse(sae!.requestsFor('TagResources')[0]!.form.Tags!) as {
      key: string;
      value: string;
    }[];
    expect(tagged).toContainEqual({ key: 'orchestrator.deployment', value: 'smoke-sae' });
    expect(sae!.app(appName)).toBeUndefined();
  });

  it('fails the deploy row when SAE keeps the old instance through the deploy, and still removes the app', async () => {
    const { code, text, appName } = await smoke({ ignoreMinReadyInstances: true });
    expect(code, text).toBe(1);
    expect(row(text, 'sae-lifecycle: deploy')).toMatch(/at most 2 alive at once +\| FAIL/);
    expect(row(text, 'sae-lifecycle: cleanup')).toMatch(/\| PASS/);
    expect(sae!.app(appName)).toBeUndefined();
  });

  it('reports a step that throws half-way, and still removes what it created', async () => {
    // Every deploy throttled: the adapter gives up after its retries and the step stops there.
    const { code, text, appName } = await smoke({}, (fake) =>
      fake.throttle(100, { action: 'DeployApplication' }),
    );
    expect(code, text).toBe(1);
    expect(row(text, 'sae-lifecycle: create')).toMatch(/\| PASS/);
    expect(row(text, 'sae-lifecycle: error')).toMatch(/SAE is throttling DeployApplication.*\| FAIL/);
    expect(row(text, 'sae-lifecycle: cleanup')).toMatch(/removed SAE application .*\| PASS/);
    expect(sae!.app(appName)).toBeUndefined();
  });
});
