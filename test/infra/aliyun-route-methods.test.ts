/**
 * The FC plan lets through every method the lifecycle's routes use. A review found HiClaw's
 * `PUT /api/v1/workers/{name}` (also `hiclaw apply`) refused by FC itself, because the trigger and the custom
 * domain's catch-all listed GET, POST, PATCH and DELETE only; nothing compared them with the route table.
 */
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_METHODS } from '../../infra/aliyun/plan';
import { makeApp } from '../support/app-harness';

describe('the Alibaba Cloud route plan', () => {
  it('allows every method a lifecycle route uses, on the trigger and the catch-all route', async () => {
    const h = await makeApp();
    const used = new Set(h.app.routeTable.specs.map((spec) => spec.method.toUpperCase()));
    expect(used.has('PUT')).toBe(true);
    for (const method of used) expect(LIFECYCLE_METHODS as readonly string[]).toContain(method);
  });
});
