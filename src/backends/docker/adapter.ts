/**
 * The Docker backend: one container per worker, driven through the Engine HTTP API.
 *
 * Web-standard: the transport is an injected `DockerFetch` (the unix socket from Node via `socket.ts`; in the
 * emulator, miniflare's outbound service to the same socket — the engine is never exposed on TCP, since a worker
 * that can call it owns the host). Containers are named by the derived resource name and labelled with the
 * deployment, worker and uid; `create` adopts only a container whose uid label matches.
 *
 * This file is the `WorkerBackend` methods; the container-level steps they are made of sit beside it: `create.ts`,
 * `start-stop.ts`, `ownership.ts` (adoption and the `-next` successor) and `engine-facts.ts`.
 *
 * @example
 * const backend = new DockerBackend({ fetch: createDockerSocketFetch(), deploymentId: 'dev1', consolePort: 8080 });
 * const { ref } = await backend.create(spec);
 *
 * @module
 */
import { NotFoundError } from '../../errors';
import {
  type BackendHealth,
  type BackendRef,
  type BackendStatus,
  type CreatedResource,
  type InventoryPage,
  LABELS,
  type WorkerBackend,
  type WorkerSpec,
} from '../port';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DockerApi,
  demultiplexLogs,
  engineError,
  engineMessage,
  jsonOf,
} from './api';
import { consoleHostPortOf, decodeCursor, encodeCursor, instanceOf, stateOf } from './container';
import { createContainer } from './create';
import { EngineFactsCache } from './engine-facts';
import { ensureImage } from './image';
import type { DockerBackendOptions } from './options';
import { adopt, assertOwned, nextNameOf, removeLeftoverNext } from './ownership';
import { checkSpec } from './policy';
import { startContainer, stopContainer } from './start-stop';

export type { DockerFetch } from './api';

const MAX_LOG_LINES = 10_000;

export class DockerBackend implements WorkerBackend {
  readonly name = 'docker';
  readonly deploymentMode = 'local' as const;
  readonly capabilities = { logs: true };
  private readonly api: DockerApi;
  private readonly facts: EngineFactsCache;

  constructor(private readonly options: DockerBackendOptions) {
    this.api = new DockerApi(options.fetch, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.facts = new EngineFactsCache(this.api);
  }

  async create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const api = this.api.withSignal(signal);
    const extraHosts = checkSpec(spec, this.options);
    // A recreate after a function died mid-update: its half-made successor must not run beside this one.
    await removeLeftoverNext(api, spec.resourceName, spec);
    const existing = await api.inspectContainer(spec.resourceName);
    if (existing) return adopt(api, existing, spec, this.options.consolePort);
    await ensureImage(api, spec.image, this.options.pullTimeoutMs);
    return createContainer(api, this.options, this.facts, {
      spec,
      name: spec.resourceName,
      extraHosts,
      start: true,
    });
  }

  async start(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    await startContainer(this.api.withSignal(signal), ref.resourceName);
  }

  /** Stops the worker's container and any successor an interrupted update left, so nothing of it keeps running. */
  async stop(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const api = this.api.withSignal(signal);
    await stopContainer(api, nextNameOf(ref.resourceName), this.options.stopTimeoutSeconds);
    await stopContainer(api, ref.resourceName, this.options.stopTimeoutSeconds);
  }

  /**
   * Recreates the container with the new spec under the same name, crash-safe at every await: at most one
   * container of the worker runs at any moment, and a re-drive after a function died anywhere in here converges.
   * 1. A successor an earlier, interrupted update left under the deterministic `<name>-next` is removed first.
   * 2. The successor is created stopped, so a spec the engine refuses leaves the old container untouched.
   * 3. The old one is stopped (freeing its console port) BEFORE the successor starts: never two running.
   * 4. The old one is removed and the successor renamed. A start-time failure (a port conflict) puts the old
   *    container back as it was.
   * Killed after 3, the successor runs alone under `-next` (reported by `status` and `list`); killed after the
   * removal in 4, only `-next` is left, and the re-drive removes it and creates the container afresh.
   */
  async update(ref: BackendRef, spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const api = this.api.withSignal(signal);
    const extraHosts = checkSpec(spec, this.options);
    await removeLeftoverNext(api, ref.resourceName, spec);
    const existing = await api.inspectContainer(ref.resourceName);
    if (existing) assertOwned(existing, spec);
    await ensureImage(api, spec.image, this.options.pullTimeoutMs);
    if (!existing) {
      return createContainer(api, this.options, this.facts, {
        spec,
        name: ref.resourceName,
        extraHosts,
        start: true,
      });
    }

    const next = await createContainer(api, this.options, this.facts, {
      spec,
      name: nextNameOf(ref.resourceName),
      extraHosts,
      start: false,
    });
    const id = next.ref.id!;
    const wasRunning = existing.State.Running || existing.State.Restarting;
    // Never two containers for one worker: the old one runs again only once the successor is surely gone (its
    // start or this removal may have been carried out with the answer lost); otherwise the successor stays, alone,
    // under `-next`, where status, stop, delete and the next create or update find it.
    const rollBack = async () => {
      const gone = await this.api.removeContainer(id).then(
        () => true,
        () => false,
      );
      // An aborted round has lost its say over this worker (its deadline passed; another holder may have slept
      // it): it cleans up what it made but starts nothing. The re-drive recreates whatever is missing.
      if (gone && wasRunning && !signal?.aborted) {
        await startContainer(this.api, existing.Id).catch(() => undefined);
      }
    };
    try {
      if (wasRunning) await stopContainer(api, existing.Id, this.options.stopTimeoutSeconds);
      await startContainer(api, id);
    } catch (error) {
      await rollBack();
      throw error;
    }
    try {
      await api.removeContainer(existing.Id);
      const renamed = await api.request(`/containers/${id}/rename`, {
        method: 'POST',
        query: { name: ref.resourceName },
      });
      if (renamed.status !== 204)
        throw engineError(renamed, `renaming the new container to ${ref.resourceName}`);
    } catch (error) {
      // Drop the new one; the old one (if still there) runs again, and the next round recreates what is missing.
      await rollBack();
      throw error;
    }
    return { ref: { resourceName: ref.resourceName, id }, consoleHostPort: next.consoleHostPort };
  }

  async delete(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const api = this.api.withSignal(signal);
    await api.removeContainer(nextNameOf(ref.resourceName));
    await api.removeContainer(ref.resourceName);
  }

  /**
   * The worker's container; a successor an interrupted update left running is reported among the instances,
   * so "exactly one running instance" checks see it rather than trusting the named container alone.
   */
  async status(ref: BackendRef, signal?: AbortSignal): Promise<BackendStatus> {
    const api = this.api.withSignal(signal);
    const [container, leftover] = await Promise.all([
      api.inspectContainer(ref.resourceName),
      api.inspectContainer(nextNameOf(ref.resourceName)),
    ]);
    const extra = leftover?.State.Running ? [instanceOf(leftover)] : [];
    if (!container)
      return { state: 'not_found', instances: extra, raw: extra.length ? 'missing+next' : 'missing' };
    const raw = container.State.Status;
    const consoleHostPort = consoleHostPortOf(container, this.options.consolePort);
    return {
      state: stateOf(raw),
      instances: [...(raw === 'running' ? [instanceOf(container)] : []), ...extra],
      raw: extra.length ? `${raw}+next` : raw,
      ref: { resourceName: ref.resourceName, id: container.Id },
      ...(consoleHostPort === undefined ? {} : { consoleHostPort }),
    };
  }

  /** The engine does not page; this sorts by name and pages with an opaque cursor (the last name returned). */
  async list(options: { cursor?: string; limit?: number } = {}): Promise<InventoryPage> {
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 100), 1), 1000);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const summaries = await this.api.listContainers([`${LABELS.deployment}=${this.options.deploymentId}`]);
    const named = summaries
      .map((summary) => ({ summary, name: (summary.Names[0] ?? '').replace(/^\//, '') }))
      .filter(({ name }) => name !== '' && (after === undefined || name > after))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = named.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ summary, name }) => {
        const labels = summary.Labels ?? {};
        return {
          ref: { resourceName: name, id: summary.Id },
          deploymentId: labels[LABELS.deployment] ?? '',
          workerName: labels[LABELS.worker] ?? '',
          uid: labels[LABELS.uid] ?? '',
          state: stateOf(summary.State),
          raw: summary.State,
        };
      }),
      ...(named.length > limit && last ? { cursor: encodeCursor(last.name) } : {}),
    };
  }

  async logs(ref: BackendRef, options: { tail: number }): Promise<string> {
    const tail = Number.isFinite(options.tail)
      ? Math.min(Math.max(Math.floor(options.tail), 0), MAX_LOG_LINES)
      : 100;
    const reply = await this.api.request(`/containers/${encodeURIComponent(ref.resourceName)}/logs`, {
      query: { stdout: 1, stderr: 1, tail },
    });
    if (reply.status === 404) throw new NotFoundError(`container ${ref.resourceName} not found`);
    if (reply.status !== 200) throw engineError(reply, `reading the logs of ${ref.resourceName}`);
    return demultiplexLogs(reply.body);
  }

  async health(): Promise<BackendHealth> {
    try {
      const reply = await this.api.request('/version', { timeoutMs: 5_000 });
      if (reply.status !== 200) {
        return { ok: false, message: `Docker engine answered ${engineMessage(reply)}` };
      }
      const version = jsonOf<{ Version?: string; ApiVersion?: string }>(reply);
      return { ok: true, message: `Docker engine ${version.Version} (API ${version.ApiVersion})` };
    } catch (error) {
      return {
        ok: false,
        message: error instanceof Error ? error.message : 'the Docker engine is not reachable',
      };
    }
  }
}
