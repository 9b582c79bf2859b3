/**
 * Key rotation: the old key stops working at once and the worker is rolled with a new one.
 *
 * @module
 */

import type { WorkerService } from '../../lifecycle';
import { actorOf } from '../../lifecycle';
import { assertWorkerName } from '../../names';
import { conditionOf, setETag } from '../etag';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, workerResponse } from '../schemas';
import { readQuery } from '../validate';

import { errors } from './responses';

export function registerRotateKeyRoute(routes: RouteTable, service: WorkerService): void {
  routes.add(
    {
      method: 'post',
      conditional: 'if-match',
      path: '/workers/{name}/keys',
      operationId: 'rotateWorkerKey',
      summary: 'Rotate the worker key',
      description:
        'An update: the old key stops working at once and the worker is rolled with a new one, returned once (200). A sleeping worker gets its new key when it next starts; then the answer is 202 without a key.',
      tag: 'lifecycle',
      access: 'manager',
      query: emptyQuery,
      responses: {
        200: { description: "Rotated; api_key is the running worker's new key", schema: workerResponse },
        202: {
          description: 'Old key revoked; the worker gets a new key when it next starts',
          schema: workerResponse,
        },
        409: { description: 'Being deleted', schema: errorResponse },
        ...errors,
      },
    },
    async (c, principal) => {
      const name = assertWorkerName(c.req.param('name'));
      readQuery(c, emptyQuery);
      const result = await service.rotateKey(name, actorOf(principal), conditionOf(c));
      setETag(c, result.version);
      if (!result.apiKey) return c.json(result.worker, 202);
      return c.json({ ...result.worker, api_key: result.apiKey }, 200);
    },
  );
}
