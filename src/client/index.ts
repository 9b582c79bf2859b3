/**
 * The typed client of the orchestrator's HTTP API: openapi-fetch over the types generated from `/openapi.json`
 * (`schema.ts`), so every path, parameter, body and answer is checked by the compiler. Web-standard only (fetch,
 * no Node built-ins): it runs in Node, Deno, Bun, workerd and browsers.
 *
 * @example
 * import { createOrchestratorClient, unwrap, waitUntilReady } from 'worker-orchestrator/client';
 * const client = createOrchestratorClient({ url: 'http://127.0.0.1:8787', key: process.env.ORCHESTRATOR_KEY });
 * const alice = unwrap(await client.POST('/workers', { body: { name: 'alice' } }));
 * await waitUntilReady(client, 'alice');
 * const { workers } = unwrap(await client.GET('/workers', { params: { query: { phase: 'ready' } } }));
 *
 * @module
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export { OrchestratorApiError, unwrap } from './errors';
export type { components, operations, paths } from './schema';
export type * from './types';
export { type WaitOptions, type WaitResult, waitUntilReady } from './wait';

export type OrchestratorClient = Client<paths>;

export interface OrchestratorClientOptions {
  /** The orchestrator's base URL, e.g. `http://127.0.0.1:8787` (a trailing slash is fine). */
  url: string;
  /** A manager, team or worker key; sent as `Authorization: Bearer <key>`. Omit for the public routes. */
  key?: string | undefined;
  /** Another fetch (tests hand in an in-process app's `fetch`). */
  fetch?: (request: Request) => Promise<Response>;
}

export function createOrchestratorClient(options: OrchestratorClientOptions): OrchestratorClient {
  return createClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ''),
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
