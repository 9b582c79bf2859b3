/**
 * The orchestrator's OpenAPI document, built in-process: the same composition as the emulator's (every route any
 * function serves, the credentials and `/sweep` routes included), over a memory store and the fake backend, asked
 * for `/openapi.json` as a client would. No server, no network, no Docker: `npm run client:generate` and the drift
 * test run anywhere.
 *
 * The emulator's end-to-end test checks that the running emulator serves this very document, so the list of extra
 * routes below cannot drift from `src/platforms/workerd.ts` unnoticed.
 *
 * @module
 */

import { createApp } from '../../src/api/app';
import { registerCredentialRoutes } from '../../src/api/routes/credentials';
import { registerSweepRoute } from '../../src/api/routes/sweep';
import { FakeBackend } from '../../src/backends/fake';
import { loadConfig } from '../../src/config/core';
import type { Logger } from '../../src/lifecycle';
import { composeOrchestrator } from '../../src/platforms/compose';
import { MemoryStore } from '../../src/store/memory';

/** Only so the configuration loads: nothing is ever authorised with it (the document route is public). */
const UNUSED_MANAGER_KEY = 'document-builder-only-0123456789abcdef';
const quiet: Logger = { info() {}, warn() {}, error() {} };

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    STATE_STORE: 'memory',
    BACKENDS: 'fake',
    MANAGER_API_KEYS: UNUSED_MANAGER_KEY,
  });
  const orchestrator = composeOrchestrator({
    config,
    store: new MemoryStore(),
    backends: { fake: () => new FakeBackend() },
    log: quiet,
    createApp,
    extendRoutes: (routes, service) => {
      registerCredentialRoutes(routes, service, undefined);
      registerSweepRoute(routes, service, config.sweeper);
    },
  });
  const response = await orchestrator.fetch(new Request('http://127.0.0.1/openapi.json'));
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
