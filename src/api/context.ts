import type { Context } from 'hono';
import type { Principal } from '../lifecycle';

/** Hono variables every handler can use. */
export type AppEnv = {
  Variables: {
    authorize: (c: Context<AppEnv>, access: Access) => Promise<Principal>;
    /** This request's id (`x-request-id`), set first of all. */
    requestId: string;
    /** Who is calling, as far as known: set by the authorizer once the key is recognised. */
    caller: CallerKind;
    /** The matched route's pattern (`/workers/{name}`); unset when no route matched. */
    route?: string;
    /** The worker name from the path, when the route has one (unvalidated: check before use). */
    worker?: string;
  };
};

/** The kind of key a request carried; `public` when none was recognised. */
export type CallerKind = 'manager' | 'team' | 'worker' | 'public';

/** Who may call a route. */
export type Access =
  /** Anyone, no key needed. */
  | 'public'
  /** A manager key, or a team key (scoped to its team's workers by the lifecycle). */
  | 'manager'
  /** A manager key only (team management). */
  | 'admin'
  /** The worker named in the path, with its own key. */
  | 'worker-self'
  /** Any worker, with its own key. */
  | 'worker'
  /** Any known key; the handler applies its own rules (the HiClaw `/api/v1` authorization matrix). */
  | 'token';
