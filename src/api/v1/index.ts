/**
 * Today's HiClaw contract (hiclaw-controller `/api/v1`), served from the same lifecycle service as the older one:
 * a mapping layer of shapes, words and the authorization matrix, with no lifecycle of its own.
 * `POST /api/v1/credentials/sts` is registered with the credentials route, which only the credentials function has.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import type { RouteTable } from '../route-table';
import { registerV1LifecycleRoutes } from './lifecycle';
import { registerV1MetaRoutes } from './meta';
import { registerV1WorkerRoutes } from './workers';

export function registerHiclawV1Routes(routes: RouteTable, service: WorkerService, version: string): void {
  registerV1WorkerRoutes(routes, service);
  registerV1LifecycleRoutes(routes, service);
  registerV1MetaRoutes(routes, service, version);
}
