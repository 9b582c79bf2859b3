/**
 * The host names the emulator answers to, handed to the functions as `EMULATOR_ALLOWED_HOSTS`: a request for any
 * other `Host` is refused, so a web page whose own name an attacker re-points at 127.0.0.1 (DNS rebinding) gets
 * nothing from the local listener, whatever the auth mode.
 *
 * @module
 */
import { hostname, networkInterfaces } from 'node:os';
import { HOST_FROM_CONTAINER } from './worker-network';

export function emulatorAllowedHosts(input: { host: string; workerUrl: string }): string[] {
  const hosts = new Set<string>(['localhost', '127.0.0.1', '::1', HOST_FROM_CONTAINER]);
  const bare = input.host.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0' || bare === '::') {
    // Listening everywhere: every address of this machine, and its own name, are ways to reach it.
    hosts.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) hosts.add(address.address);
    }
  } else {
    hosts.add(bare);
  }
  try {
    hosts.add(new URL(input.workerUrl).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    // ORCHESTRATOR_URL is checked elsewhere; nothing to add from a malformed one.
  }
  return [...hosts].map((host) => host.toLowerCase());
}
