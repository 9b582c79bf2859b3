/**
 * WorkerSpec → SAE application parameters: the instance size SAE accepts, Envs, CustomHostAlias and our tags.
 *
 * @module
 */

import { BackendRejectedError } from '../../errors';
import { LABELS, type WorkerSpec } from '../port';

/** SAE's allowed (Cpu millicores → Memory MB) pairs (SAE's documented specifications); anything else is rejected by SAE. */
const SIZES: ReadonlyArray<readonly [cpu: number, memoryMb: number]> = [
  [500, 1024],
  [1000, 1024],
  [500, 2048],
  [1000, 2048],
  [2000, 2048],
  [1000, 4096],
  [2000, 4096],
  [4000, 4096],
  [2000, 8192],
  [4000, 8192],
  [8000, 8192],
  [12000, 12288],
  [4000, 16384],
  [8000, 16384],
  [16000, 16384],
  [12000, 24576],
  [16000, 32768],
  [8000, 65536],
  [16000, 65536],
  [32000, 65536],
  [32000, 131072],
];

/**
 * The smallest allowed pair that covers the request (fewest CPU first, then least memory). Unset values fall
 * back to the adapter's default pair, so a bare spec gets exactly the configured size.
 */
export function saeInstanceSize(
  resources: WorkerSpec['resources'],
  defaults: { cpuMillicores: number; memoryMb: number },
): { Cpu: number; Memory: number } {
  const cpu = resources?.cpuMillicores ?? defaults.cpuMillicores;
  const memory = resources?.memoryMb ?? defaults.memoryMb;
  const fits = SIZES.filter(([c, m]) => c >= cpu && m >= memory).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const best = fits[0];
  if (!best) {
    throw new BackendRejectedError(
      `SAE has no instance size with ${cpu} millicores and ${memory} MB (largest: 32000 millicores, 131072 MB)`,
      'resources',
    );
  }
  return { Cpu: best[0], Memory: best[1] };
}

/** `host:ip` (Docker's `--add-host` form) → SAE CustomHostAlias entries. */
export function saeHostAliases(
  extraHosts: string[] | undefined,
): { hostName: string; ip: string }[] | undefined {
  if (!extraHosts?.length) return undefined;
  return extraHosts.map((entry) => {
    const at = entry.indexOf(':');
    const hostName = entry.slice(0, at);
    const ip = entry.slice(at + 1);
    if (at <= 0 || !ip) throw new BackendRejectedError(`extra host "${entry}" is not host:ip`, 'extra_hosts');
    return { hostName, ip };
  });
}

/** Env as SAE's `Envs` JSON. Values are secrets: this array goes only into the request, never into a message. */
export const saeEnvs = (env: Record<string, string>) =>
  Object.entries(env).map(([name, value]) => ({ name, value }));

/**
 * The three tags that make a resource ours and say whose it is. User labels stay in the record: SAE allows 20
 * tags per resource and the inventory needs only these.
 */
export const saeTags = (spec: Pick<WorkerSpec, 'deploymentId' | 'name' | 'uid'>) => [
  { key: LABELS.deployment, value: spec.deploymentId },
  { key: LABELS.worker, value: spec.name },
  { key: LABELS.uid, value: spec.uid },
];

/** Tags as ListApplications returns them (`[{Key, Value}]`) → a map. */
export const tagMap = (tags: unknown): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(tags) ? tags : [])
      .filter((t): t is { Key: string; Value?: string } => typeof t?.Key === 'string')
      .map((t) => [t.Key, String(t.Value ?? '')]),
  );
