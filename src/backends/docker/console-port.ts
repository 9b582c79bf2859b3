/**
 * Host ports for worker consoles. The adapter may run in workerd, where it cannot probe sockets, so "free" means
 * free as far as the engine knows: no container (running or stopped) holds the port through our label or a
 * published binding. Races between concurrent creates, and bindings the engine refuses at start, are conflicts the
 * caller settles by picking again.
 *
 * @module
 */
import { BackendUnavailableError } from '../../errors';
import type { DockerApi } from './api';
import { CONSOLE_PORT_LABEL } from './container';

export interface PortRange {
  min: number;
  max: number;
}

export const DEFAULT_CONSOLE_RANGE: PortRange = { min: 20_000, max: 29_999 };

/** The chosen port turned out to be taken; the create retries with another one. */
export class ConsolePortConflict extends BackendUnavailableError {}

/** A random port of the range that no container holds; random so concurrent creators rarely collide. */
export const chooseConsolePort = async (api: DockerApi, range: PortRange): Promise<number> => {
  const used = new Set<number>();
  for (const container of await api.listContainers()) {
    const labelled = Number(container.Labels?.[CONSOLE_PORT_LABEL]);
    if (Number.isInteger(labelled)) used.add(labelled);
    for (const port of container.Ports ?? []) if (port.PublicPort) used.add(port.PublicPort);
  }
  const size = range.max - range.min + 1;
  const offset = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = range.min + ((offset + i) % size);
    if (!used.has(port)) return port;
  }
  throw new BackendUnavailableError(`no free console host port between ${range.min} and ${range.max}`);
};

/** On the host network nothing stops two containers from being given one port: look after creating. */
export const consolePortTakenByOther = async (api: DockerApi, port: number, id: string): Promise<boolean> => {
  const holders = await api.listContainers([`${CONSOLE_PORT_LABEL}=${port}`]);
  return holders.some((container) => container.Id !== id);
};
