/**
 * The composition root of the HTTP functions on every platform: the lifecycle service (`service.ts`) and the
 * HTTP app over it — lazily, on first use, because workerd forbids I/O at module scope and the backends need the
 * deployment id that lives in the store.
 *
 * @module
 */

import type { App, AppOptions } from '../api/app-base';
import type { RouteTable } from '../api/route-table';
import type { OrchestratorConfig } from '../config/core';
import { ConfigError } from '../errors';
import { once, type WorkerService } from '../lifecycle';
import { jsonLogger } from './logger';
import { composeService, type ServiceInput } from './service';

export type { BackendFactory } from './service';

export interface ComposeInput extends ServiceInput {
  /**
   * Builds the HTTP app: `createApp` (every route) or `createCredentialsApp` (no lifecycle route). Passed in rather
   * than imported here, so a function's bundle holds only the app it serves.
   */
  createApp: (options: AppOptions) => App;
  extendRoutes?: (routes: RouteTable, service: WorkerService) => void;
  routeGroups?: ('lifecycle' | 'meta' | 'extra')[];
  /** Host names the API answers to (the emulator knows its own); unset = any. */
  allowedHosts?: readonly string[];
}

export interface Orchestrator {
  readonly config: OrchestratorConfig;
  service(): Promise<WorkerService>;
  fetch(request: Request): Promise<Response>;
}

export function composeOrchestrator(input: ComposeInput): Orchestrator {
  const { config } = input;
  const log = input.log ?? jsonLogger();
  // Events out, where this function makes transitions (the credentials function makes none and reads no secret).
  const makesTransitions = !input.routeGroups || input.routeGroups.includes('lifecycle');
  const service = composeService({ ...input, log, makesTransitions });

  const app = once(async () =>
    input.createApp({
      service: await service(),
      ...(input.extendRoutes ? { extend: input.extendRoutes } : {}),
      ...(input.routeGroups ? { only: input.routeGroups } : {}),
      ...(input.allowedHosts ? { allowedHosts: input.allowedHosts } : {}),
    }),
  );

  return {
    config,
    service,
    async fetch(request) {
      try {
        return await (await app()).fetch(request);
      } catch (error) {
        // Only reachable when composing failed; the app maps everything else. A configuration the orchestrator
        // refuses (e.g. a versioned OSS bucket) is no outage to retry: say so, and leave the details (bucket and
        // setting names) to the log, which only the operator reads.
        log.error('orchestrator could not start', {
          error: error instanceof Error ? error.message : String(error),
        });
        if (error instanceof ConfigError) {
          return Response.json(
            {
              message: 'the orchestrator refuses to start with its configuration; its log says which setting',
              code: 'misconfigured',
            },
            { status: 500 },
          );
        }
        return Response.json(
          { message: 'the orchestrator could not reach its state store', code: 'store_unavailable' },
          { status: 503, headers: { 'retry-after': '5' } },
        );
      }
    },
  };
}
