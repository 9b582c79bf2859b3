/**
 * The two documents every deployment creates once, create-only so concurrent first starts agree:
 * `meta/deployment.json` (the id that tags every backend resource) and the HMAC key for env fingerprints.
 *
 * @module
 */

import { PreconditionFailedError } from '../../errors';
import { readJson } from '../../store/cas';
import type { ObjectStore } from '../../store/port';
import { type DeploymentMeta, layout } from './layout';

/** Reads `meta/deployment.json`, creating it (create-only, so concurrent first starts agree) if absent. */
export async function deploymentOf(store: ObjectStore, now: () => number): Promise<DeploymentMeta> {
  const existing = await readJson<DeploymentMeta>(store, layout.deployment);
  if (existing) return existing.value;
  const meta: DeploymentMeta = {
    deployment_id: `d${crypto.randomUUID().replace(/-/g, '').slice(0, 11)}`,
    created_at: new Date(now()).toISOString(),
  };
  try {
    await store.put(layout.deployment, JSON.stringify(meta), { ifNoneMatch: '*' });
    return meta;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    return (await readJson<DeploymentMeta>(store, layout.deployment))!.value;
  }
}

/** The deployment's HMAC key for env values; kept under `secrets/` (readable by lifecycle and sweeper only). */
export async function hmacKeyOf(store: ObjectStore): Promise<string> {
  const existing = await readJson<{ key: string }>(store, layout.hmacKey);
  if (existing) return existing.value.key;
  const key = [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  try {
    await store.put(layout.hmacKey, JSON.stringify({ key }), { ifNoneMatch: '*' });
    return key;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    return (await readJson<{ key: string }>(store, layout.hmacKey))!.value.key;
  }
}
