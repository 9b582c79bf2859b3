/**
 * The Docker backend: one container per worker, driven through the Engine HTTP API.
 *
 * Web-standard: the transport is an injected `DockerFetch` (the unix socket from Node via `docker-socket.ts`; in the
 * emulator, miniflare's outbound service to the same socket — the engine is never exposed on TCP, since a worker
 * that can call it owns the host). Containers are named by the derived resource name and labelled with the
 * deployment, worker and uid; `create` adopts only a container whose uid label matches.
 *
 * @example
 * const backend = new DockerBackend({ fetch: createDockerSocketFetch(), deploymentId: 'dev1', consolePort: 8080 });
 * const { ref } = await backend.create(spec);
 *
 * @module
 */
import { BackendError, BackendRejectedError, NotFoundError } from '../../errors';
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
  type ContainerInspect,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DockerApi,
  type DockerFetch,
  demultiplexLogs,
  engineError,
  engineMessage,
  jsonOf,
} from './api';
import {
  ConsolePortConflict,
  chooseConsolePort,
  consolePortTakenByOther,
  DEFAULT_CONSOLE_RANGE,
  type PortRange,
} from './console-port';
import {
  consoleHostPortOf,
  containerBody,
  decodeCursor,
  type EngineFacts,
  encodeCursor,
  instanceOf,
  isPortConflictMessage,
  stateOf,
} from './container';
import { ensureImage } from './image';
import { checkSpec, type DockerPolicy } from './policy';

export type { DockerFetch } from './api';

export interface DockerBackendOptions extends DockerPolicy {
  /** Transport to the Engine API: paths like `/containers/json`, web `Request` semantics. */
  fetch: DockerFetch;
  /** This deployment's id: `list()` returns only containers labelled with it. */
  deploymentId: string;
  /** Container port of the worker console; when set, every worker gets a host port for it (`consoleHostPort`). */
  consolePort?: number;
  /** Host ports the console may be given (default 20000–29999). */
  consolePortRange?: PortRange;
  /** Network for specs that name none (default `bridge` where the engine has one, else `host`). */
  defaultNetwork?: string;
  /** Bound on pulling a missing image (default 60 s): a slow or black-holed registry is an error, not a hang. */
  pullTimeoutMs?: number;
  /** Bound on every other engine call (default 15 s). */
  requestTimeoutMs?: number;
  /** Seconds `stop` gives the worker to exit before the engine kills it (default 5). */
  stopTimeoutSeconds?: number;
}

// Two creates can pick the same free port at once; a few fresh picks settle it.
const CONSOLE_PORT_ATTEMPTS = 5;
const MAX_LOG_LINES = 10_000;

/**
 * The name an update builds the new container under before it takes the worker's name. Deterministic, so a
 * re-drive after a function died mid-update finds (and removes) what the dead one left, instead of adding another.
 */
export const nextNameOf = (resourceName: string): string => `${resourceName}-next`;

export class DockerBackend implements WorkerBackend {
  readonly name = 'docker';
  readonly deploymentMode = 'local' as const;
  readonly capabilities = { logs: true };
  private readonly api: DockerApi;
  private facts: Promise<EngineFacts> | undefined;

  constructor(private readonly options: DockerBackendOptions) {
    this.api = new DockerApi(options.fetch, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  async create(spec: WorkerSpec, signal?: AbortSignal): Promise<CreatedResource> {
    const api = this.api.withSignal(signal);
    const extraHosts = checkSpec(spec, this.options);
    // A recreate after a function died mid-update: its half-made successor must not run beside this one.
    await this.removeLeftoverNext(api, spec.resourceName, spec);
    const existing = await api.inspectContainer(spec.resourceName);
    if (existing) return this.adopt(api, existing, spec);
    await ensureImage(api, spec.image, this.options.pullTimeoutMs);
    return this.createContainer(api, spec, spec.resourceName, extraHosts, true);
  }

  async start(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    await this.startContainer(this.api.withSignal(signal), ref.resourceName);
  }

  /** Stops the worker's container and any successor an interrupted update left, so nothing of it keeps running. */
  async stop(ref: BackendRef, signal?: AbortSignal): Promise<void> {
    const api = this.api.withSignal(signal);
    await this.stopContainer(api, nextNameOf(ref.resourceName));
    await this.stopContainer(api, ref.resourceName);
  }

  private async stopContainer(api: DockerApi, nameOrId: string): Promise<void> {
    const seconds = this.options.stopTimeoutSeconds ?? 5;
    const reply = await api.request(`/containers/${encodeURIComponent(nameOrId)}/stop`, {
      method: 'POST',
      query: { t: seconds },
      timeoutMs: (seconds + 10) * 1000,
    });
    // 304: already stopped; 404: nothing to stop. Both leave the worker stopped, which is what was asked.
    if (reply.status === 204 || reply.status === 304 || reply.status === 404) return;
    throw engineError(reply, `stopping container ${nameOrId}`);
  }

  /**
   * Removes `<name>-next` if an interrupted update left it (created, started, or already the only one). It is
   * never adopted: it may carry a key or a template the record no longer has.
   */
  private async removeLeftoverNext(api: DockerApi, resourceName: string, spec: WorkerSpec): Promise<void> {
    const leftover = await api.inspectContainer(nextNameOf(resourceName));
    if (!leftover) return;
    this.assertOwned(leftover, spec);
    await api.removeContainer(leftover.Id);
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
    await this.removeLeftoverNext(api, ref.resourceName, spec);
    const existing = await api.inspectContainer(ref.resourceName);
    if (existing) this.assertOwned(existing, spec);
    await ensureImage(api, spec.image, this.options.pullTimeoutMs);
    if (!existing) return this.createContainer(api, spec, ref.resourceName, extraHosts, true);

    const next = await this.createContainer(api, spec, nextNameOf(ref.resourceName), extraHosts, false);
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
        await this.startContainer(this.api, existing.Id).catch(() => undefined);
      }
    };
    try {
      if (wasRunning) await this.stopContainer(api, existing.Id);
      await this.startContainer(api, id);
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

  private assertOwned(container: ContainerInspect, spec: WorkerSpec): void {
    if (container.Config.Labels?.[LABELS.uid] !== spec.uid) {
      throw new BackendRejectedError(
        `container name ${spec.resourceName} is held by another worker incarnation`,
        'name',
        'name_taken',
      );
    }
  }

  /** An existing container of this uid is ours (a re-driven create): start it if it is not running. */
  private async adopt(
    api: DockerApi,
    container: ContainerInspect,
    spec: WorkerSpec,
  ): Promise<CreatedResource> {
    this.assertOwned(container, spec);
    if (!container.State.Running) await this.startContainer(api, container.Id);
    const consoleHostPort = consoleHostPortOf(container, this.options.consolePort);
    return {
      ref: { resourceName: spec.resourceName, id: container.Id },
      ...(consoleHostPort === undefined ? {} : { consoleHostPort }),
    };
  }

  private async createContainer(
    api: DockerApi,
    spec: WorkerSpec,
    name: string,
    extraHosts: string[],
    start: boolean,
  ): Promise<CreatedResource> {
    const facts = await this.engineFacts();
    const requested = spec.network ?? this.options.defaultNetwork;
    const network = !requested || requested === 'bridge' ? (facts.hasBridge ? 'bridge' : 'host') : requested;
    const consolePort = this.options.consolePort;
    for (let attempt = 1; ; attempt++) {
      const hostPort =
        consolePort === undefined
          ? undefined
          : await chooseConsolePort(api, this.options.consolePortRange ?? DEFAULT_CONSOLE_RANGE);
      const body = containerBody({ spec, network, extraHosts, facts, consolePort, hostPort });
      const reply = await api.request('/containers/create', {
        method: 'POST',
        query: { name },
        json: body,
      });
      if (reply.status === 409 && start) {
        // A concurrent create took the name between our inspect and this call: adopt it if it is ours. (An
        // update's successor is never adopted: its leftover was removed first, so a 409 there is an error.)
        const existing = await api.inspectContainer(name);
        if (existing) return this.adopt(api, existing, spec);
      }
      if (reply.status === 404) {
        const message = engineMessage(reply);
        if (/network/i.test(message)) {
          throw new BackendRejectedError(
            `network ${network} does not exist: ${message}`,
            'network',
            'network_not_found',
          );
        }
        throw new BackendRejectedError(
          `image ${spec.image} is not available: ${message}`,
          'image',
          'image_not_found',
        );
      }
      if (reply.status !== 201) throw engineError(reply, `creating container ${name}`);
      const id = jsonOf<{ Id: string }>(reply).Id;
      try {
        if (
          hostPort !== undefined &&
          network === 'host' &&
          (await consolePortTakenByOther(api, hostPort, id))
        ) {
          throw new ConsolePortConflict(`console port ${hostPort} was taken by another container`);
        }
        if (start) await this.startContainer(api, id);
        return {
          ref: { resourceName: name, id },
          ...(hostPort === undefined ? {} : { consoleHostPort: hostPort }),
        };
      } catch (error) {
        // Never leave a half-made container behind.
        await api.removeContainer(id).catch(() => undefined);
        if (error instanceof ConsolePortConflict && attempt < CONSOLE_PORT_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  private async startContainer(api: DockerApi, nameOrId: string): Promise<void> {
    const reply = await api.request(`/containers/${encodeURIComponent(nameOrId)}/start`, {
      method: 'POST',
    });
    if (reply.status === 204 || reply.status === 304) return;
    const message = engineMessage(reply);
    // Older engines accept a missing network at create and only fail the start, with a 404 like a missing container.
    if (reply.status === 404 && /^network .* not found/i.test(message)) {
      throw new BackendRejectedError(`cannot start ${nameOrId}: ${message}`, 'network', 'network_not_found');
    }
    if (reply.status === 404) throw new BackendError(`container ${nameOrId} not found`);
    if (isPortConflictMessage(message)) {
      throw new ConsolePortConflict(`console host port is taken: ${message}`);
    }
    throw engineError(reply, `starting container ${nameOrId}`);
  }

  private engineFacts(): Promise<EngineFacts> {
    this.facts ??= this.loadEngineFacts().catch((error: unknown) => {
      this.facts = undefined;
      throw error;
    });
    return this.facts;
  }

  private async loadEngineFacts(): Promise<EngineFacts> {
    const version = await this.api.request('/version');
    if (version.status !== 200) throw engineError(version, 'reading the engine version');
    const networks = await this.api.request('/networks', {
      query: { filters: JSON.stringify({ name: ['bridge'] }) },
    });
    if (networks.status !== 200) throw engineError(networks, 'listing networks');
    return {
      os: jsonOf<{ Os?: string }>(version).Os ?? 'linux',
      hasBridge: jsonOf<{ Name: string }[]>(networks).some((network) => network.Name === 'bridge'),
    };
  }
}
