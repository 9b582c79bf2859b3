/**
 * Creating a worker: none/tombstone → `pending` (one create-only write carrying the uid, the key hash and the
 * operation lease) → backend create → `starting`.
 *
 * Idempotent by canonical fingerprint: the same request again answers 200 without a key (HiClaw's defect #3 was a
 * duplicate create that replaced the live key); a different spec under the same name is 409.
 *
 * @module
 */

import { ConflictError, OrchestratorError, provablyNotApplied, ValidationError } from '../../errors';
import type { LifecycleContext } from '../context';
import { Driver } from '../driver';
import type { CreateInput, StoredSpec, WorkerRecord, WorkerSchedule } from '../model';
import {
  type Actor,
  actorLabel,
  hmacHex,
  INJECTED_ENV_NAMES,
  iso,
  isWorker,
  leaseExpiry,
  mintWorkerKey,
  sha256Hex,
  transitionTime,
} from '../model';
import { assertActorMayClaim, checkTeamCreate, handOverName, releaseName, reserveName } from '../teams';
import { resolveSchedule } from './schedule';
import { renderWorker, type WorkerView } from './views';

export interface CreateResult {
  created: boolean;
  worker: WorkerView;
  /** Present only on the response that created the worker. */
  apiKey?: string;
}

/** Seconds a client should wait before retrying a create of a name that is still being deleted. */
const DELETING_RETRY_AFTER_S = 5;

export function assertNoInjectedEnv(env: Record<string, unknown> | undefined): void {
  for (const name of INJECTED_ENV_NAMES) {
    if (env && Object.hasOwn(env, name)) {
      throw new ValidationError(`env.${name} is set by the orchestrator and cannot be given`, `env.${name}`);
    }
  }
}

export function resolveExpiry(input: { ttl_seconds?: number; expires_at?: string | null }, now: number) {
  // Both given (even expires_at: null, which clears) is ambiguous: refused rather than guessing which one wins.
  if (input.ttl_seconds !== undefined && input.expires_at !== undefined) {
    throw new ValidationError('give either ttl_seconds or expires_at, not both', 'ttl_seconds');
  }
  if (input.ttl_seconds !== undefined) return iso(now + input.ttl_seconds * 1000);
  if (input.expires_at) {
    const at = Date.parse(input.expires_at);
    if (at <= now) throw new ValidationError('expires_at must be in the future', 'expires_at');
    return iso(at);
  }
  return undefined;
}

export const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

export async function createWorker(
  ctx: LifecycleContext,
  request: CreateInput,
  actor: Actor,
): Promise<CreateResult> {
  const { repo, settings, clock } = ctx;
  assertNoInjectedEnv(request.env);
  const input = await checkTeamCreate(ctx, actor, request);
  const now = clock.now();
  const backendName = input.backend ?? settings.defaultBackend;
  if (!input.image && !settings.defaultImage) {
    throw new ValidationError('image is required: this deployment has no DEFAULT_IMAGE', 'image');
  }
  const hmacKey = await ctx.hmacKey();
  const envHmac = Object.fromEntries(
    await Promise.all(
      Object.entries(input.env ?? {}).map(async ([k, v]) => [k, await hmacHex(hmacKey, v)] as const),
    ),
  );
  // Validated before anything is written or reserved: bad input must leave nothing behind.
  const expiresAt = resolveExpiry(input, now);
  const schedule = input.schedule ? resolveSchedule(input.schedule) : undefined;
  const spec: StoredSpec = {
    image: input.image ?? settings.defaultImage,
    runtime: input.runtime ?? '',
    env_hmac: envHmac,
    backend: backendName,
    ...(input.network ? { network: input.network } : {}),
    ...(input.extra_hosts ? { extra_hosts: input.extra_hosts } : {}),
    ...(input.working_dir ? { working_dir: input.working_dir } : {}),
    ...(input.resources ? { resources: input.resources } : {}),
    ...(input.profile ? { profile: input.profile } : {}),
  };
  const fingerprint = await sha256Hex(
    canonical({ ...input, env: envHmac, image: spec.image, backend: backendName, runtime: spec.runtime }),
  );

  const existing = (await repo.read(input.name))?.value;
  if (isWorker(existing)) {
    assertActorMayClaim(actor, existing);
    return answerExisting(ctx, existing, fingerprint);
  }
  // Only now that the name is free: a 400/503 for an unknown or unavailable backend writes nothing.
  ctx.backends.get(backendName);
  const uid = crypto.randomUUID();
  // The quota slot comes first (a conditional write on the team), so concurrent creates cannot exceed it; any
  // failure before the record exists gives it back.
  if (input.team) await reserveName(ctx, input.team, input.name, uid);
  try {
    return await createReserved(ctx, input, actor, { uid, spec, fingerprint, expiresAt, schedule, now });
  } catch (error) {
    if (input.team) await giveBackSlot(ctx, input.team, input.name, uid);
    throw error;
  }
}

/**
 * A create failed: its quota slot goes back, unless a worker of this team now holds the name (our own record was
 * written before the failure, or a concurrent create won it); then the slot is that worker's.
 */
async function giveBackSlot(ctx: LifecycleContext, team: string, name: string, uid: string): Promise<void> {
  const holder = await ctx.repo.read(name).catch(() => null);
  const worker = holder?.value;
  if (isWorker(worker) && worker.team === team) await handOverName(ctx, team, name, worker.uid);
  else await releaseName(ctx, team, name, uid);
}

interface Prepared {
  uid: string;
  spec: StoredSpec;
  fingerprint: string;
  expiresAt: string | undefined;
  schedule: WorkerSchedule | undefined;
  now: number;
}

async function createReserved(
  ctx: LifecycleContext,
  input: CreateInput,
  actor: Actor,
  { uid, spec, fingerprint, expiresAt, schedule, now }: Prepared,
): Promise<CreateResult> {
  const { repo, settings } = ctx;
  const apiKey = mintWorkerKey(input.name, settings.keyPrefix);
  const keyHash = await sha256Hex(apiKey);
  const leaseId = crypto.randomUUID();
  // Values go to secrets/ first: a record whose HMACs name values that were never stored could not be started.
  await repo.addSecretCandidates(input.name, uid, input.env ?? {}, now);
  const record: WorkerRecord = {
    kind: 'worker',
    name: input.name,
    uid,
    created_at: iso(now),
    ...(input.team ? { team: input.team } : {}),
    spec,
    create_fingerprint: fingerprint,
    labels: input.labels ?? {},
    idle_timeout_seconds: input.idle_timeout_seconds ?? settings.defaultIdleTimeoutSeconds,
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    deletion_protection: input.deletion_protection ?? false,
    ...(schedule ? { schedule, schedule_from: iso(now) } : {}),
    // An asleep or unmanaged start creates no resource: the driver settles it as `sleeping` without a backend call.
    desired: input.unmanaged || (input.initial_state ?? 'running') !== 'running' ? 'sleeping' : 'running',
    ...(input.initial_state === 'stopped' ? { sleep_removes_resource: true as const } : {}),
    ...(input.unmanaged ? { unmanaged: true as const } : {}),
    phase: 'pending',
    phase_since: iso(now),
    spec_generation: 1,
    observed_generation: 0,
    template_generation: 1,
    applied_template_generation: 0,
    op: { id: leaseId, owner: ctx.owner, generation: 1, expires_at: leaseExpiry(now, settings) },
    boot: { epoch: 1, since: iso(now) },
    key_hash: keyHash,
    attempts: 0,
    last_transition: {
      at: iso(now),
      from: 'none',
      to: 'pending',
      reason: 'created',
      actor: actorLabel(actor),
    },
    event_seq: 1,
    woke_at: iso(now),
    write_id: '',
  };
  const written = await repo
    .mutate(input.name, (current) => {
      // Our own incarnation already there: our write landed (its answer was lost) and another request has
      // written over it since, so the landed check could not see our write_id. It is ours, not a lost race.
      if (isWorker(current) && current.uid === uid) return undefined;
      if (isWorker(current)) throw new RaceLost(current);
      // Over a tombstone: the new incarnation's first event follows the deletion's, whatever our clock says.
      const at = transitionTime(current?.last_transition.at, now);
      return at === now ? record : { ...record, last_transition: { ...record.last_transition, at: iso(at) } };
    })
    .catch(async (error) => {
      if (error instanceof RaceLost) return { value: null, raced: error.current };
      await dropSecretsUnlessRecorded(ctx, input.name, uid);
      throw error;
    });
  if ('raced' in written) {
    // Another create won the name: our secrets belong to an incarnation that never existed.
    await repo.deleteSecrets(input.name, uid).catch(() => undefined);
    if (input.team && written.raced.team === input.team)
      await handOverName(ctx, input.team, input.name, written.raced.uid);
    else if (input.team) await releaseName(ctx, input.team, input.name, uid);
    assertActorMayClaim(actor, written.raced);
    return answerExisting(ctx, written.raced, fingerprint);
  }

  const result = await new Driver(ctx).drive(input.name, leaseId, {
    plaintextKey: apiKey,
    deadline: now + settings.requestDriveBudgetMs,
    actor: actorLabel(actor),
  });
  // Rolled back only when the backend provably did nothing: a timeout or a lost answer may hide a resource
  // that exists, and a tombstone over it would leave it unowned (untagged on SAE, where tags are a second call).
  // Otherwise the record stays with its error, and the re-drive adopts whatever the backend made (by uid).
  if (result.error && provablyNotApplied(result.error) && result.changeMayHaveLanded === false) {
    await rollBack(ctx, input.name, uid);
    throw result.error;
  }
  const after = (await repo.read(input.name))?.value;
  const current = isWorker(after) && after.uid === uid ? after : record;
  const keyStillValid = current.key_hash === keyHash;
  return {
    created: true,
    worker: renderWorker(ctx, current, null),
    ...(keyStillValid ? { apiKey } : {}),
  };
}

/**
 * The record write failed, so the env values written for it belong to nothing: they go, unless the write landed
 * after all (its answer was lost) — a record of this uid is there — or that cannot be told (the read fails too).
 */
async function dropSecretsUnlessRecorded(ctx: LifecycleContext, name: string, uid: string): Promise<void> {
  const landed = await ctx.repo.read(name).then(
    (read) => isWorker(read?.value) && read.value.uid === uid,
    () => true,
  );
  if (!landed) await ctx.repo.deleteSecrets(name, uid).catch(() => undefined);
}

class RaceLost extends Error {
  constructor(readonly current: WorkerRecord) {
    super('lost the create race');
  }
}

function answerExisting(ctx: LifecycleContext, existing: WorkerRecord, fingerprint: string): CreateResult {
  if (existing.phase === 'deleting' || existing.desired === 'deleted') {
    throw new ConflictError(`worker ${existing.name} is being deleted; retry shortly`, 'deleting', {
      retryAfterSeconds: DELETING_RETRY_AFTER_S,
    });
  }
  if (existing.create_fingerprint !== fingerprint) {
    throw new ConflictError(
      `worker ${existing.name} already exists with a different spec; PATCH it instead`,
      'exists',
    );
  }
  return { created: false, worker: renderWorker(ctx, existing, null) };
}

/**
 * A create the backend refused (or could not even attempt) leaves nothing behind: no record that would look like
 * a worker, no secrets. Only done when the backend never reported a resource for it.
 */
async function rollBack(ctx: LifecycleContext, name: string, uid: string): Promise<void> {
  const now = ctx.clock.now();
  try {
    await ctx.repo.mutate(name, (current) => {
      if (!isWorker(current) || current.uid !== uid || current.backend_ref?.id) return undefined;
      return {
        kind: 'tombstone',
        deleted: true,
        name,
        uid,
        deleted_at: iso(now),
        last_transition: {
          at: iso(transitionTime(current.last_transition.at, now)),
          from: current.phase,
          to: 'deleted',
          reason: 'backend_error',
          actor: 'driver',
          ...(current.last_error ? { message: current.last_error } : {}),
        },
        event_seq: current.event_seq + 1,
      };
    });
    await ctx.repo.deleteSecrets(name, uid);
  } catch (error) {
    if (!(error instanceof OrchestratorError)) throw error;
    // Left as a failed record: visible and deletable, which is better than hiding the failure.
  }
}
