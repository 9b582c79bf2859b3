/**
 * The `fc-route-layout` smoke step through the real `@alicloud/fc20230330` client against the protocol-level FC
 * fake, which also serves its custom domains by `Host` (answering with the routed function's name, as the
 * step's echo functions do). Passing: the documented layout routes each path to its function. Failing: a
 * gateway that takes routes in list order (the failure the step exists to catch) sends everything to the
 * catch-all listed first. A domain that already exists is left alone. Every case removes what it created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/smoke/smoke';
import { FakeFcServer } from '../../support/fakes/fc';

const KEY = { id: 'LTAIsmokeFc00000001', secret: 'smoke-fc-secret' };
const DOMAIN = 'smoke.example.com';
let fc: FakeFcServer | undefined;
afterEach(async () => {
  await fc?.close();
  fc = undefined;
});

async function smoke(before: (fake: FakeFcServer) => void = () => {}) {
  fc = new FakeFcServer({
    keys: { [KEY.id]: KEY.secret },
    accountId: '1234567890123456',
    region: 'cn-hangzhou',
  });
  const endpoint = await fc.start();
  before(fc);
  const output: string[] = [];
  const code = await main(
    ['--cloud', 'aliyun', '--yes'],
    {
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.secret,
      FC_ACCOUNT_ID: '1234567890123456',
      FC_REGION: 'cn-hangzhou',
      FC_ENDPOINT: endpoint,
      FC_PROTOCOL: 'http',
      SMOKE_FC_DOMAIN: DOMAIN,
      SMOKE_FC_PROBE_VIA: `http://${endpoint}`,
      SMOKE_POLL_MS: '10',
      SMOKE_TIMEOUT_MS: '2000',
    },
    { out: (line) => output.push(line), run: 'smoke-fc' },
  );
  return { code, text: output.join('\n') };
}

const row = (text: string, id: string) => text.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';

describe('smoke: fc-route-layout', () => {
  it('routes each path of the documented layout to its function; removes the functions and the domain', async () => {
    const { code, text } = await smoke();
    expect(code, text).toBe(0);
    expect(row(text, 'fc-route-layout: instanceConcurrency on nodejs20')).toMatch(
      /refused: InvalidArgument \(HTTP 400\) +\| PASS/,
    );
    expect(row(text, 'fc-route-layout: routes accepted')).toMatch(/\| PASS/);
    expect(row(text, 'fc-route-layout: GET /ensure-ready/workers/smoke')).toMatch(
      /answered by smoke-fc-ensure-ready +\| PASS/,
    );
    expect(row(text, 'fc-route-layout: GET /workers/smoke/ensure-ready')).toMatch(
      /answered by smoke-fc-lifecycle +\| PASS/,
    );
    expect(row(text, 'fc-route-layout: GET /credentials/sts')).toMatch(
      /answered by smoke-fc-credentials +\| PASS/,
    );
    expect(row(text, 'fc-route-layout: GET /credentials/sts/more')).toMatch(
      /answered by smoke-fc-lifecycle +\| PASS/,
    );
    expect(row(text, 'fc-route-layout: cleanup')).toMatch(
      /removed FC custom domain smoke\.example\.com.*\| PASS/,
    );
    // The catch-all was listed first: the pass shows longest-prefix matching, not list order.
    const created = fc!.calls.find((c) => c.method === 'POST' && c.path === '/2023-03-30/custom-domains')!;
    const routes = (created.body!.routeConfig as { routes: { path: string }[] }).routes.map((r) => r.path);
    expect(routes).toEqual(['/*', '/ensure-ready/*', '/credentials/sts']);
    const fn = fc!.calls.find((c) => c.method === 'POST' && c.body?.functionName === 'smoke-fc-lifecycle')!;
    // Tagged for the run (FC's Tag model is `Key`/`Value` on the wire).
    expect(fn.body!.tags).toEqual([{ Key: 'orchestrator.deployment', Value: 'smoke-fc' }]);
    expect([...fc!.functions.keys()]).toEqual([]);
    expect([...fc!.triggers.keys()]).toEqual([]);
    expect([...fc!.domains.keys()]).toEqual([]);
  });

  it('fails the route rows when the gateway matches routes in list order; still removes everything', async () => {
    const { code, text } = await smoke((fake) => {
      fake.routeMatching = 'first-listed';
    });
    expect(code, text).toBe(1);
    expect(row(text, 'fc-route-layout: GET /ensure-ready/workers/smoke')).toMatch(
      /answered by smoke-fc-lifecycle +\| FAIL/,
    );
    expect(row(text, 'fc-route-layout: GET /credentials/sts')).toMatch(
      /answered by smoke-fc-lifecycle +\| FAIL/,
    );
    expect([...fc!.functions.keys()]).toEqual([]);
    expect([...fc!.domains.keys()]).toEqual([]);
  });

  it('leaves a domain that already exists alone, and fails saying so', async () => {
    const { code, text } = await smoke((fake) => {
      fake.domains.set(DOMAIN, { domainName: DOMAIN, protocol: 'HTTP', routeConfig: { routes: [] } });
    });
    expect(code, text).toBe(1);
    expect(row(text, 'fc-route-layout: routes accepted')).toMatch(
      /refused: DomainNameAlreadyExists \(HTTP 409\).*\| FAIL/,
    );
    expect(fc!.domains.get(DOMAIN)).toEqual({
      domainName: DOMAIN,
      protocol: 'HTTP',
      routeConfig: { routes: [] },
    });
    expect([...fc!.functions.keys()]).toEqual([]);
  });
});
