/**
 * The local emulator's workerd module: the lifecycle (and, once added, credentials) routes on `fetch`, the sweeper
 * on `scheduled`. No logic here; see `src/platforms/workerd.ts`. Bundled and run by `infra/emulator/`.
 */
import { handleFetch, handleScheduled, type WorkerdEnv } from '../../src/platforms/workerd';

export default {
  fetch: (request: Request, env: WorkerdEnv): Promise<Response> => handleFetch(request, env),
  scheduled: (_controller: unknown, env: WorkerdEnv): Promise<void> => handleScheduled(env),
};
