/**
 * `POST /credentials/sts`: the credentials function's only route. It reads records but never `secrets/`.
 *
 * @module
 */

import type { CredentialIssuer } from '../../credentials/port';
import type { WorkerService } from '../../lifecycle';
import { issueCredentials } from '../../lifecycle';
import type { RouteSpec, RouteTable } from '../route-table';
import { emptyQuery, errorResponse, stsTokenResponse } from '../schemas';
import { readQuery } from '../validate';

/**
 * The route, and the same route under today's HiClaw path: its workers call
 * `${HICLAW_CONTROLLER_URL}/api/v1/credentials/sts`. Exported so the lifecycle function's document can describe
 * them although another function serves them.
 */
export const credentialRouteSpecs: RouteSpec[] = (
  [
    ['/credentials/sts', 'issueStsCredentials'],
    ['/api/v1/credentials/sts', 'v1IssueStsCredentials'],
  ] as const
).map(([path, operationId]) => ({
  method: 'post',
  path,
  operationId,
  summary: 'Short-lived storage credentials for the calling worker',
  description:
    "Scoped to the worker's own prefix (`agents/<name>/`) and `shared/`. Duration = min(configured, 3600 s, time left before expires_at). 409 `expiring` under 900 s left, 409 while asleep or being deleted, 503 without an issuer. A rotated-out key works here during the rotation grace.",
  tag: 'credentials',
  access: 'worker',
  // The answer is all secret (nothing of it could be replayed), issuing again is harmless, and the credentials
  // function may read no more of the state than the records it authenticates with (no `idempotency/`).
  idempotencyKey: 'ignored',
  query: emptyQuery,
  responses: {
    200: { description: 'Credentials', schema: stsTokenResponse },
    400: { description: 'A query string was given', schema: errorResponse },
    401: { description: 'Missing, unknown or expired key', schema: errorResponse },
    403: { description: 'Not a worker key', schema: errorResponse },
    409: { description: 'Asleep, being deleted, or expiring', schema: errorResponse },
    502: { description: 'The STS service refused', schema: errorResponse },
    503: { description: 'No issuer configured, or STS throttling', schema: errorResponse },
  },
}));

export function registerCredentialRoutes(
  routes: RouteTable,
  service: WorkerService,
  issuer: CredentialIssuer | undefined,
  configuredSeconds?: number,
): void {
  for (const spec of credentialRouteSpecs) {
    routes.add(spec, async (c, principal) => {
      readQuery(c, emptyQuery);
      if (principal.kind !== 'worker') throw new Error('unreachable: access rule guarantees a worker');
      const token = await issueCredentials(service.ctx, issuer, principal.record, configuredSeconds);
      return c.json(token, 200);
    });
  }
}
