/**
 * The miniflare instance that hosts the functions: the bundled workerd module, the R2 bucket persisted on disk,
 * config as plain-text bindings, and the outbound service that reaches the Docker socket. miniflare's loopback
 * server, through which both are reached, answers only requests carrying the per-process proxy token
 * (`loopback-guard.ts`), and the outbound service and the issuer binding check it again (`proxy-token.ts`).
 *
 * @module
 */
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { PROXY_TOKEN_BINDING } from '../../src/platforms/workerd';
import { withGuardedLoopback } from './loopback-guard';
import { createOutboundService } from './outbound';
import { requireProxyToken } from './proxy-token';

/** workerd accepts compatibility dates up to its own release; this one is well inside what the pinned one knows. */
const COMPATIBILITY_DATE = '2025-09-01';

export interface RuntimeInput {
  scriptPath: string;
  dataDir: string;
  socketPath: string;
  vars: Record<string, string>;
  log: (line: string) => void;
  /** The credential issuer hosted in this process, bound into the functions as `STS_ISSUER`. */
  issuer?: (request: Request) => Promise<Response>;
  /**
   * Opens the outbound service and the issuer binding, which miniflare serves on a loopback port any local process
   * can call; given to the functions (only) as the `EMULATOR_PROXY_TOKEN` binding.
   */
  proxyToken: string;
}

/** The one `Fetcher` method used here (miniflare's generated type for it does not survive its type mapping). */
interface ScheduledFetcher {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string }>;
}

export async function startRuntime(input: RuntimeInput): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: input.scriptPath,
    modulesRoot: dirname(input.scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    // workerd listens on a private loopback port; callers come in through the front door (front-door.ts).
    host: '127.0.0.1',
    port: 0,
    r2Buckets: ['STATE'],
    r2Persist: join(input.dataDir, 'r2'),
    bindings: { ...input.vars, [PROXY_TOKEN_BINDING]: input.proxyToken },
    outboundService: createOutboundService({ socketPath: input.socketPath, token: input.proxyToken }),
    ...(input.issuer
      ? {
          serviceBindings: {
            STS_ISSUER: requireProxyToken(input.proxyToken, input.issuer) as unknown as (
              request: unknown,
            ) => Promise<unknown>,
          },
        }
      : {}),
    // No `request.cf` download from Cloudflare: this machine may reach no network, and nothing here reads it.
    cf: false,
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      for (const stream of [stdout, stderr]) createInterface({ input: stream }).on('line', input.log);
    },
  });
  try {
    await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
  return mf;
}

/** `startRuntime`, with miniflare's loopback server answering only requests that carry the proxy token. */
export async function startGuardedRuntime(input: RuntimeInput): Promise<Miniflare> {
  let started: Miniflare | undefined;
  try {
    return await withGuardedLoopback(input.proxyToken, async () => {
      started = await startRuntime(input);
      return started;
    });
  } catch (error) {
    await started?.dispose().catch(() => undefined);
    throw error;
  }
}

/** Fires the scheduled handler once, as the platform's cron would, and resolves when it is over. */
export async function fireScheduled(mf: Miniflare): Promise<void> {
  const worker = (await mf.getWorker()) as unknown as ScheduledFetcher;
  const result = await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
  if (result.outcome !== 'ok') throw new Error(`the scheduled function ended with ${result.outcome}`);
}
