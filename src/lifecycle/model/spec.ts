/**
 * Turns a stored record (env HMACs only) plus the secrets stash and a plaintext key into the complete spec a
 * backend needs. This is the only place where env values and the worker key meet, and the result is never
 * persisted or logged.
 *
 * @module
 */

import { resourceNameFor, type WorkerSpec } from '../../backends/port';
import { BackendError } from '../../errors';
import { hmacHex } from './keys';
import type { WorkerRecord } from './record';

/** Env names the orchestrator injects; a request that sets them is refused (400). */
export const INJECTED_ENV_NAMES = [
  'HICLAW_WORKER_NAME',
  'HICLAW_WORKER_API_KEY',
  'HICLAW_ORCHESTRATOR_URL',
  'HICLAW_RUNTIME',
  // Today's HiClaw names (its controller contract): the same identity, key and URL, for `hiclaw worker report-ready`.
  'HICLAW_CONTROLLER_URL',
  'HICLAW_AUTH_TOKEN',
  'HICLAW_WORKER_CR_NAME',
  'HICLAW_WORKER_SPEC',
] as const;

export interface SpecInputs {
  record: WorkerRecord;
  workerKey: string;
  secretCandidates: Record<string, string[]>;
  hmacKey: string;
  deploymentId: string;
  orchestratorUrl: string;
}

export const resourceNameOf = (record: WorkerRecord, deploymentId: string): string =>
  record.backend_ref?.resource_name ?? resourceNameFor(deploymentId, record.name, record.uid);

export async function buildWorkerSpec(inputs: SpecInputs): Promise<WorkerSpec> {
  const { record } = inputs;
  // A Map until the end: env names such as `__proto__` or `constructor` must stay ordinary keys.
  const env = new Map<string, string>();
  for (const [name, wanted] of Object.entries(record.spec.env_hmac)) {
    const candidates = Object.hasOwn(inputs.secretCandidates, name) ? inputs.secretCandidates[name]! : [];
    let found: string | undefined;
    for (const value of candidates) {
      if ((await hmacHex(inputs.hmacKey, value)) === wanted) {
        found = value;
        break;
      }
    }
    if (found === undefined) {
      throw new BackendError(
        `the stored value of env ${name} does not match the worker's spec; PATCH it again`,
      );
    }
    env.set(name, found);
  }
  env.set('HICLAW_WORKER_NAME', record.name);
  env.set('HICLAW_WORKER_API_KEY', inputs.workerKey);
  env.set('HICLAW_ORCHESTRATOR_URL', inputs.orchestratorUrl);
  if (record.spec.runtime) env.set('HICLAW_RUNTIME', record.spec.runtime);
  env.set('HICLAW_CONTROLLER_URL', inputs.orchestratorUrl);
  env.set('HICLAW_AUTH_TOKEN', inputs.workerKey);
  env.set('HICLAW_WORKER_CR_NAME', record.name);
  if (record.spec.profile) env.set('HICLAW_WORKER_SPEC', JSON.stringify(record.spec.profile));
  const { spec } = record;
  return {
    name: record.name,
    uid: record.uid,
    deploymentId: inputs.deploymentId,
    resourceName: resourceNameOf(record, inputs.deploymentId),
    image: spec.image,
    ...(spec.runtime ? { runtime: spec.runtime } : {}),
    env: Object.fromEntries(env),
    ...(spec.network ? { network: spec.network } : {}),
    ...(spec.extra_hosts ? { extraHosts: spec.extra_hosts } : {}),
    ...(spec.working_dir ? { workingDir: spec.working_dir } : {}),
    ...(spec.resources
      ? {
          resources: {
            ...(spec.resources.cpu_millicores ? { cpuMillicores: spec.resources.cpu_millicores } : {}),
            ...(spec.resources.memory_mb ? { memoryMb: spec.resources.memory_mb } : {}),
          },
        }
      : {}),
    labels: { ...record.labels },
  };
}
