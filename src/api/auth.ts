/**
 * Access rules per route kind: 401 for a missing or unknown key, 403 for a known key on the
 * wrong route or the wrong worker. The key itself never reaches a log or a message.
 *
 * @module
 */

import type { Context } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { WorkerService } from '../lifecycle';
import { bearerToken, type Principal } from '../lifecycle';
import type { Access, AppEnv } from './context';

export function makeAuthorizer(service: WorkerService) {
  return async (c: Context<AppEnv>, access: Access): Promise<Principal> => {
    if (access === 'public') return { kind: 'anonymous' };
    const principal = await service.authenticate(bearerToken(c.req.header('authorization')));
    if (principal.kind !== 'anonymous') c.set('caller', principal.kind);
    if (principal.kind === 'anonymous')
      throw new UnauthorizedError('an API key is required (Authorization: Bearer <key>)');
    switch (access) {
      case 'manager':
        if (principal.kind !== 'manager' && principal.kind !== 'team') {
          throw new ForbiddenError('this route needs a manager or team key');
        }
        return principal;
      case 'admin':
        if (principal.kind !== 'manager') throw new ForbiddenError('this route needs a manager key');
        return principal;
      case 'worker-self':
        if (principal.kind !== 'worker') throw new ForbiddenError('this route is for the worker itself');
        if (principal.viaPreviousKey) throw new UnauthorizedError('this key was rotated out');
        if (principal.record.name !== c.req.param('name')) {
          throw new ForbiddenError('workers can only report their own readiness');
        }
        return principal;
      case 'worker':
        if (principal.kind !== 'worker') throw new ForbiddenError('this route is for workers');
        return principal;
      case 'token':
        return principal;
    }
  };
}
