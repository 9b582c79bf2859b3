/**
 * `fc-route-layout`: the custom-domain route layout the deploy uses (`/credentials/sts` exact, `/ensure-ready/*`
 * and `/*` prefixes), built from throwaway echo functions on a spare domain, then requested through the domain
 * to see which function answers each path. FC documents exact paths and a trailing `*`, the longest prefix
 * winning; the catch-all is listed first on purpose, so a pass shows FC matching by length, not by list order.
 *
 * Also checked on the way, because the deploy relies on it: FC refuses `instanceConcurrency` on the built-in
 * `nodejs20` runtime (so the deploy sends none).
 *
 * A custom domain needs its CNAME to `<account>.<region>.fc.aliyuncs.com` in place first (and ICP filing in
 * mainland regions): without `SMOKE_FC_DOMAIN` the step is skipped. The domain must be a spare one: the step
 * creates it and deletes it, and refuses to touch one that exists.
 *
 * @module
 */
import { FC_ENSURE_READY_PREFIX } from '../../src/platforms/fc-http';
import { createDomain, createEcho, createHttpTrigger, fcClient, removeFunction } from './fc-client';
import { probe } from './fc-probe';
import { pollUntil } from './poll';
import { aliyunCredentials, smokeSetting } from './settings';
import { describeError, type SmokeStepRunner } from './step';

export const fcRouteLayout: SmokeStepRunner = {
  id: 'fc-route-layout',
  async run(ctx) {
    const domain = smokeSetting(
      ctx.env,
      'SMOKE_FC_DOMAIN',
      'a spare custom domain whose CNAME points at <account>.<region>.fc.aliyuncs.com, ICP-filed in mainland regions',
    );
    const client = fcClient(ctx.env, aliyunCredentials(ctx.env));
    const via = ctx.env.SMOKE_FC_PROBE_VIA;
    const names = {
      credentials: `${ctx.run}-credentials`,
      ensureReady: `${ctx.run}-ensure-ready`,
      lifecycle: `${ctx.run}-lifecycle`,
    };

    const probeName = `${ctx.run}-concurrency`;
    const concurrency = await createEcho(client, probeName, ctx.run, { instanceConcurrency: 2 }).then(
      () => 'accepted',
      (error: unknown) => describeError(error),
    );
    if (concurrency === 'accepted')
      ctx.cleanup(`FC function ${probeName}`, () => removeFunction(client, probeName));
    ctx.check(
      'instanceConcurrency on nodejs20',
      'refused (HTTP 400)',
      concurrency === 'accepted' ? 'accepted' : `refused: ${concurrency}`,
      concurrency.endsWith('(HTTP 400)'),
    );

    for (const name of Object.values(names)) {
      await createEcho(client, name, ctx.run);
      ctx.cleanup(`FC function ${name}`, () => removeFunction(client, name));
      await createHttpTrigger(client, name);
    }
    const routes = [
      { path: '/*', functionName: names.lifecycle },
      { path: `${FC_ENSURE_READY_PREFIX}/*`, functionName: names.ensureReady },
      { path: '/credentials/sts', functionName: names.credentials },
    ];
    const created = await createDomain(client, domain, routes).then(
      () => 'created',
      (error: unknown) => describeError(error),
    );
    ctx.check(
      'routes accepted',
      `${domain} created with ${routes.map((r) => r.path).join(', ')}`,
      created === 'created' ? `${domain} created` : `refused: ${created}`,
      created === 'created',
    );
    if (created !== 'created') return; // an existing domain is not ours to change or delete
    ctx.cleanup(`FC custom domain ${domain}`, async () => {
      await client.deleteCustomDomain(domain);
    });

    const expectations: [path: string, fn: string][] = [
      [`${FC_ENSURE_READY_PREFIX}/workers/smoke`, names.ensureReady],
      ['/workers/smoke/ensure-ready', names.lifecycle],
      ['/credentials/sts', names.credentials],
      ['/credentials/sts/more', names.lifecycle],
    ];
    // A new domain's routes take a moment to reach FC's gateways: the first path is read until it answers.
    await pollUntil(
      () => probe(domain, expectations[0]![0], via).catch(() => ({ status: 0, body: '' })),
      (answer) => answer.status === 200,
      ctx.polling,
    );
    for (const [path, fn] of expectations) {
      const answer = await probe(domain, path, via).then(
        (a) => (a.status === 200 ? a.body : `HTTP ${a.status}`),
        (error: unknown) => describeError(error),
      );
      ctx.check(`GET ${path}`, `answered by ${fn}`, `answered by ${answer}`, answer === fn);
    }
  },
};
