/**
 * Key rotation: an update that mints a new worker key, keeping the old one valid for STS only during the grace.
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import type { WorkerRecord } from '../model';
import { type Actor, actorLabel, iso, isWorker, mintWorkerKey, sha256Hex } from '../model';
import { applyIntent, type IntentOptions, type IntentResult, refuseWhenDeleting } from './intent';
import { rollTemplate } from './update';

export interface RotateResult extends IntentResult {
  /** Absent when the key will only be minted at the worker's next start (it sleeps). */
  apiKey?: string;
}

/** Rotation is an update: the worker is rolled with the new key; the old one keeps working for STS only. */
export async function rotateKey(
  ctx: LifecycleContext,
  name: string,
  actor: Actor,
  options: IntentOptions = {},
): Promise<RotateResult> {
  const apiKey = mintWorkerKey(name, ctx.settings.keyPrefix);
  const hash = await sha256Hex(apiKey);
  const grace = ctx.settings.rotationGraceSeconds;
  const result = await applyIntent(
    ctx,
    name,
    actor,
    (record, now) => {
      refuseWhenDeleting(record);
      const { prev_key_hash: _p, prev_key_valid_until: _u, ...rest } = record;
      const rotated: WorkerRecord = {
        ...rest,
        key_hash: hash,
        ...(grace > 0
          ? { prev_key_hash: record.key_hash, prev_key_valid_until: iso(now + grace * 1000) }
          : {}),
      };
      return rollTemplate(rotated, now, { reason: 'key_rotated', actor: actorLabel(actor) });
    },
    { ...options, plaintextKey: apiKey },
  );
  // The key is returned only if it is the one the worker now runs with. A sleeping worker (or one whose
  // driver is busy elsewhere) gets a fresh key when it is next started; the old key is revoked either way.
  const after = (await ctx.repo.read(name))?.value;
  const delivered =
    isWorker(after) &&
    after.key_hash === hash &&
    after.applied_template_generation >= after.template_generation;
  return { ...result, ...(delivered ? { apiKey } : {}) };
}
