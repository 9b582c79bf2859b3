/**
 * The FC 3.0 calls the route-layout step makes, through `@alicloud/fc20230330` as the deploy does: throwaway
 * echo functions (each with an HTTP trigger, which FC requires of a routed function), a custom domain, and their
 * removal. Settings are the deploy's own variables (`FC_ACCOUNT_ID`, `FC_REGION`, `FC_ENDPOINT`, `FC_PROTOCOL`).
 *
 * @module
 */
import FcModule, {
  CreateCustomDomainInput,
  CreateCustomDomainRequest,
  CreateFunctionInput,
  CreateFunctionRequest,
  CreateTriggerInput,
  CreateTriggerRequest,
} from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { Env } from '../../src/config/env';
import { zipFiles } from '../build/zip';
import type { AliyunCredentials } from './settings';
import { SkipStep } from './step';

// CommonJS with `exports.default`: in native ESM (tsx) the default import is the exports object.
const FcClient = ((FcModule as unknown as { default?: typeof FcModule }).default ??
  FcModule) as typeof FcModule;
type Client = InstanceType<typeof FcClient>;

/**
 * Answers every request with its own function name: how the step tells which function a path was routed to.
 * `FC_FUNCTION_NAME` is set by FC in every instance; the built-in runtime's HTTP-trigger handler returns
 * `{statusCode, headers, body}`.
 */
const ECHO = `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/plain' },
  body: process.env.FC_FUNCTION_NAME,
});
`;

export const echoZip = (): string =>
  zipFiles([{ name: 'index.js', data: Buffer.from(ECHO) }]).toString('base64');

export function fcClient(env: Env, credentials: AliyunCredentials): Client {
  const accountId = env.FC_ACCOUNT_ID ?? env.ALIBABA_CLOUD_ACCOUNT_ID;
  const region = env.FC_REGION;
  if (!accountId || !region)
    throw new SkipStep('FC_ACCOUNT_ID (or ALIBABA_CLOUD_ACCOUNT_ID) and FC_REGION are required');
  return new FcClient(
    new $OpenApiUtil.Config({
      ...credentials,
      endpoint: env.FC_ENDPOINT ?? `${accountId}.${region}.fc.aliyuncs.com`,
      protocol: env.FC_PROTOCOL === 'http' ? 'http' : 'https',
      regionId: region,
      readTimeout: 60_000,
      connectTimeout: 10_000,
    }),
  );
}

/**
 * A nodejs20 echo function, tagged `orchestrator.deployment=<run>` so a leftover is recognisable; `extra` adds
 * fields to the function (a probe).
 */
export async function createEcho(
  client: Client,
  name: string,
  run: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await client.createFunction(
    new CreateFunctionRequest({
      body: new CreateFunctionInput({
        functionName: name,
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { zipFile: echoZip() },
        memorySize: 128,
        timeout: 10,
        description: 'npm run smoke: throwaway echo function',
        tags: [{ key: 'orchestrator.deployment', value: run }],
        ...extra,
      }),
    }),
  );
}

export async function createHttpTrigger(client: Client, fn: string): Promise<void> {
  await client.createTrigger(
    fn,
    new CreateTriggerRequest({
      body: new CreateTriggerInput({
        triggerName: 'http',
        triggerType: 'http',
        qualifier: 'LATEST',
        triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET', 'POST'] }),
      }),
    }),
  );
}

export async function createDomain(
  client: Client,
  domainName: string,
  routes: { path: string; functionName: string }[],
): Promise<void> {
  await client.createCustomDomain(
    new CreateCustomDomainRequest({
      body: new CreateCustomDomainInput({
        domainName,
        protocol: 'HTTP',
        routeConfig: {
          routes: routes.map((r) => ({ ...r, methods: ['GET', 'POST'], qualifier: 'LATEST' })),
        },
      }),
    }),
  );
}

/** A function and its trigger; a missing one is already removed. */
export async function removeFunction(client: Client, name: string): Promise<void> {
  const gone = (error: unknown) => {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  };
  await client.deleteTrigger(name, 'http').catch(gone);
  await client.deleteFunction(name).catch(gone);
}
