/**
 * Invariants of the current state, checked after every step (README, "Crash-proof by construction"). Each one is a small function of a
 * snapshot; each says why it matters.
 */
import { createHmac } from 'node:crypto';
import { nextAction } from '../../../src/lifecycle/model/policy';
import type { Beat } from '../../../src/lifecycle/model/record';
import { layout } from '../../../src/lifecycle/persistence/layout';
import type { Violation } from '../history';
import { TEAM, type World } from '../world';
import type { Snapshot } from './snapshot';

/** Hints carry whole seconds, and an overdue worker's hint may sit ahead by its backoff (≤ 15 min) plus a run. */
const OVERDUE_HINT_SLACK_MS = 16 * 60_000;
/**
 * Two running resources of one worker incarnation mean two agents doing the same work, billing twice, and one of
 * them invisible to the record (Docker's `-next-` container left by a crashed update).
 */
export function singleRunningResource(s: Snapshot): Violation[] {
  const byUid = new Map<string, string[]>();
  for (const r of s.resources)
    if (r.active) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), `${r.backend}:${r.name}`]);
  return [...byUid]
    .filter(([, names]) => names.length > 1)
    .map(([uid, names]) => ({
      invariant: 'single_running_resource',
      message: `uid ${uid.slice(0, 8)} has ${names.length} running resources: ${names.join(', ')}`,
    }));
}

/**
 * A record that points at another incarnation's resource would stop, update or delete the wrong container — and
 * deleting the worker would leak its real one.
 */
export function noForeignResource(s: Snapshot, world: World): Violation[] {
  return s.workers.flatMap((w) => {
    const id = w.backend_ref?.id;
    const owner = id ? world.cloud.owners.get(id) : undefined;
    return owner && owner !== w.uid
      ? [
          {
            invariant: 'no_foreign_resource',
            message: `${w.name} (${w.uid.slice(0, 8)}) references ${id} of incarnation ${owner.slice(0, 8)}`,
          },
        ]
      : [];
  });
}

/** A team quota is a promise to whoever pays for the team: never more live workers than `max_workers`. */
export function teamQuota(s: Snapshot, world: World): Violation[] {
  const team = world.bucket.json<{ max_workers: number; members: Record<string, unknown> }>(
    `teams/${TEAM}.json`,
  );
  if (!team) return [];
  const live = s.workers.filter((w) => w.team === TEAM).map((w) => w.name);
  const out: Violation[] = [];
  if (live.length > team.max_workers)
    out.push({
      invariant: 'team_quota',
      message: `team ${TEAM} has ${live.length} live workers (${live.join(', ')}) over its quota of ${team.max_workers}`,
    });
  const members = Object.keys(team.members).length;
  if (members > team.max_workers)
    out.push({
      invariant: 'team_quota',
      message: `team ${TEAM} holds ${members} reservations over its quota of ${team.max_workers}`,
    });
  return out;
}

/**
 * The sweeper finds work only through hints: a record whose deadline has no hint at or before it is acted on late
 * or never (an expired lease left by a dead driver waits for a backoff instead of its expiry).
 */
export function hintCoversDeadline(s: Snapshot, world: World): Violation[] {
  const out: Violation[] = [];
  for (const w of s.workers) {
    const have = s.earliestHint.get(w.name);
    // The deadline the sweeper can act on: a busy beat of this incarnation holds the idle sleep off,
    // and the sweeper files its hint that late; a beat that ends it (turning idle) files its own.
    const beat = world.bucket.json<Beat>(layout.beat(w.name));
    const deadline = nextAction(w, world.settings, beat?.uid === w.uid ? beat : null)?.at;
    if (deadline !== undefined) {
      const covered =
        have !== undefined &&
        (have <= deadline || (deadline <= s.now && have <= s.now + OVERDUE_HINT_SLACK_MS));
      if (!covered)
        out.push({
          invariant: 'hint_covers_deadline',
          message: `${w.name}: deadline ${iso(deadline)} but earliest hint ${have === undefined ? 'none' : iso(have)}`,
        });
    }
    const leaseEnd = w.op ? Date.parse(w.op.expires_at) : undefined;
    if (leaseEnd !== undefined && leaseEnd > s.now && (have === undefined || have > leaseEnd)) {
      out.push({
        invariant: 'hint_covers_deadline',
        message: `${w.name}: operation lease expires ${iso(leaseEnd)} but earliest hint ${have === undefined ? 'none' : iso(have)} (a dead driver is re-driven late)`,
      });
    }
  }
  return out;
}

/**
 * Env values are secrets: one whose record is gone (or never came) is a leaked credential, and only the sweeper's
 * full scan can find it (every other clean-up starts from a record). A create writes the values before its
 * record, so a secret without one may be a create still at work until that create's function timeout: the scan
 * leaves it alone for `ORPHAN_SECRET_GRACE_MS` (15 min) after it was written or orphaned — from then on it is
 * "removable".
 *
 * The bound is therefore stated against the sweeper, not the wall clock: while the run goes on, the simulator
 * fires the sweeper as a random actor (often killed, sometimes not for an hour of virtual time), so a secret is
 * a violation once two complete full-scan passes that started after it became removable have left it (one pass
 * may fail on it: a throttled read costs that key its turn, never the pass).
 * At quiescence the sweeper runs on schedule, and the plain time bound applies: removable, plus two full-scan
 * intervals (a pass starts at most once per interval) and two runs.
 */
/**
 * How long a secret may precede its record: longer than any create can still be at work (a 60 s function timeout
 * plus the lease's 30 s margin, by far). The sweeper's own grace (`orphanSecretGraceMs`) is this for the
 * simulator's settings; it is restated here so the invariant does not take its bound from the code it checks.
 */
const ORPHAN_SECRET_GRACE_MS = 15 * 60_000;

export class SecretHasRecord {
  private readonly orphanedSince = new Map<string, number>();
  /** Start times of the complete passes seen to end after each orphan became removable. */
  private readonly passesSince = new Map<string, Set<number>>();

  check(s: Snapshot, world: World, atQuiescence = false): Violation[] {
    const out: Violation[] = [];
    const seen = new Set<string>();
    const lastPass = world.bucket.json<{ state?: { scan?: { last_pass_started_at?: number } } }>(
      'locks/sweeper',
    )?.state?.scan?.last_pass_started_at;
    const quiescenceBound = 2 * world.sweeper.fullScanIntervalSeconds * 1000 + 2 * 60_000;
    for (const key of s.keys) {
      const match = /^secrets\/([a-z0-9-]+)\/([^/]+)\.json$/.exec(key);
      if (!match) continue;
      const [, name, uid] = match as unknown as [string, string, string];
      // Only a live record of that incarnation names its values: a tombstone's are removed at the next pass.
      const holder = s.stored.get(name);
      if (holder?.kind === 'worker' && holder.uid === uid) continue;
      seen.add(key);
      const since = this.orphanedSince.get(key) ?? s.now;
      this.orphanedSince.set(key, since);
      const removableAt = Math.max(since, world.bucket.lastModified(key)! + ORPHAN_SECRET_GRACE_MS);
      const passes = this.passesSince.get(key) ?? new Set<number>();
      if (lastPass !== undefined && lastPass >= removableAt) passes.add(lastPass);
      this.passesSince.set(key, passes);
      const missedByPass = passes.size >= 2;
      const late = atQuiescence && s.now - removableAt > quiescenceBound;
      if (missedByPass || late)
        out.push({
          invariant: 'secret_has_record',
          message: `${key} has had no record of its incarnation for ${(s.now - since) / 1000}s${missedByPass ? `, and ${passes.size} full scans that started after it became removable left it` : ''}`,
        });
    }
    for (const key of [...this.orphanedSince.keys()]) {
      if (seen.has(key)) continue;
      this.orphanedSince.delete(key);
      this.passesSince.delete(key);
    }
    return out;
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A record names its env values by HMAC; the values live in `secrets/`. If a value the current spec names is gone,
 * the next start of the worker fails for good (a stale round pruning under an old spec does exactly that).
 */
export function specHasSecrets(s: Snapshot, world: World): Violation[] {
  const key = world.bucket.json<{ key: string }>('secrets/_deployment.json')?.key;
  if (!key) return [];
  const raw = Buffer.from(key, 'hex');
  const out: Violation[] = [];
  for (const w of s.workers) {
    if (w.desired === 'deleted') continue;
    const doc = world.bucket.json<{ env: Record<string, ({ value: string } | string)[]> }>(
      `secrets/${w.name}/${w.uid}.json`,
    );
    for (const [name, hmac] of Object.entries(w.spec.env_hmac)) {
      const values = (doc?.env[name] ?? []).map((c) => (typeof c === 'string' ? c : c.value));
      if (!values.some((v) => createHmac('sha256', raw).update(v).digest('hex') === hmac))
        out.push({
          invariant: 'spec_has_secrets',
          message: `${w.name} (${w.uid.slice(0, 8)}): env ${name} of its spec has no stored value`,
        });
    }
  }
  return out;
}
