import { createDockerSocketFetch } from '../../src/backends/docker/node';

export type EngineProbe =
  | {
      reachable: true;
      version: string;
      /** Whether the engine has a `bridge` network; without one the Docker backend puts `bridge` workers on host. */
      hasBridge: boolean;
    }
  | { reachable: false; reason: string };

/** Whether the Docker engine answers on its socket, and if not, why (said once at start, in plain words). */
export async function probeEngine(socketPath: string): Promise<EngineProbe> {
  const fetch = createDockerSocketFetch({ socketPath, timeoutMs: 3_000 });
  try {
    const response = await fetch('/version');
    if (!response.ok)
      return { reachable: false, reason: `the engine at ${socketPath} answered ${response.status}` };
    const { Version } = (await response.json()) as { Version?: string };
    const filters = encodeURIComponent(JSON.stringify({ name: ['bridge'] }));
    const networks = await fetch(`/networks?filters=${filters}`);
    const hasBridge =
      networks.ok && ((await networks.json()) as { Name?: string }[]).some((n) => n.Name === 'bridge');
    return { reachable: true, version: Version ?? 'unknown', hasBridge };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { reachable: false, reason: `no Docker engine answers at ${socketPath} (${detail})` };
  }
}
