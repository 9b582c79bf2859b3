import type { Context } from 'hono';
import type { Principal } from '../lifecycle';
import type { Access } from './route-table';

/** Hono variables every handler can use. */
export type AppEnv = {
  Variables: {
    authorize: (c: Context<AppEnv>, access: Access) => Promise<Principal>;
  };
};
