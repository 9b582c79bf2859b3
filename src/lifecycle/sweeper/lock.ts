/**
 * The sweeper lease, `locks/sweeper`: one run at a time, as an optimisation only (every action of a run is still
 * a conditional write on the worker record, so two runs that overlap after a lease expired act once).
 *
 * The lease object also carries what must survive between runs of a stateless function: the cursors of the
 * full scan and of the inventory reconcile, and the orphan candidates seen so far (with when they were first
 * seen, because an orphan needs two sightings `orphanGraceSeconds` apart).
 *
 * @module
 */

import type { LifecycleContext } from '../context';
import { iso } from '../model';
import { LOCK_MARGIN_MS, type SweeperSettings } from './settings';
import { initialSweeperStats, type SweeperStats } from './stats';

/** A backend resource seen without a matching record (store clock, epoch ms). */
export interface OrphanMemo {
  backend: string;
  worker: string;
  uid: string;
  resource_name: string;
  id?: string;
  first_seen: number;
  last_seen: number;
  reported_at?: number;
  stopped_at?: number;
}

export interface ScanState {
  active: boolean;
  /** Last worker name handled by the running pass; absent at its start. */
  cursor?: string;
  pass_started_at?: number;
  last_pass_started_at?: number;
  /** Names seen by the running pass and by the last complete one: sizes the slices. */
  seen: number;
  last_pass_count?: number;
  /** A pass lists `workers/` first, then `secrets/` (absent: `workers`, as state from before secrets were). */
  phase?: 'workers' | 'secrets';
  /** Last `secrets/` key handled by the running pass. */
  secrets_cursor?: string;
}

export interface InventoryState {
  /** Increments per pass; the roster marks each resource with the pass that last saw it. */
  pass: number;
  active: boolean;
  backend_index: number;
  cursor?: string;
  pass_started_at?: number;
  last_pass_started_at?: number;
  /** Workers that want to run whose resource the last complete pass did not see: checked directly. */
  lost_candidates: string[];
  /** Backends whose listing failed during the running pass: they prove nothing missing. */
  unlisted: string[];
}

/** The silent-worker check: `beats/` is listed on its own cadence, minutes apart (see `beats.ts`). */
export interface BeatCheckState {
  /** The store's clock when the last complete listing of `beats/` started. */
  last_checked_at?: number;
}

export interface SweeperState {
  scan: ScanState;
  beats: BeatCheckState;
  inventory: InventoryState;
  /** Keyed `<backend>/<resource name>`. */
  orphans: Record<string, OrphanMemo>;
  /** Runs and their store cost, read by `/metrics`. */
  stats: SweeperStats;
  /** The worker the webhook step stopped at (the next run starts after it); when it last housekept (epoch ms). */
  webhooks: { after?: string; housekept_at?: number };
}

interface LockBody {
  owner: string;
  run_id: string;
  expires_at: string;
  state: SweeperState;
  write_id: string;
}

export const initialSweeperState = (): SweeperState => ({
  scan: { active: false, seen: 0 },
  beats: {},
  inventory: { pass: 0, active: false, backend_index: 0, lost_candidates: [], unlisted: [] },
  orphans: {},
  stats: initialSweeperStats(),
  webhooks: {},
});

export interface SweeperLease {
  runId: string;
  state: SweeperState;
  /**
   * The run found nothing to do before taking the lease: it holds none, and its release only saves its stats
   * (one write over the version it read, dropped if another run wrote meanwhile).
   */
  quiet: boolean;
  /**
   * The store's clock when the lease was written: `lastModified` values compare against this, not ours. Asked
   * only by a step that ages something (it costs a listing), so a quiet run does not pay for it.
   */
  storeNow(): Promise<number>;
  /** Saves the state and frees the lease; false when another run took it over meanwhile (state dropped). */
  release(state: SweeperState): Promise<boolean>;
}

/**
 * Takes `locks/sweeper` unless another run holds a live lease; `null` means skip this run. `isQuiet` is asked,
 * with the state read, before the lease is written: a run with nothing to do writes the lease document once
 * (its stats, at release) instead of twice, so a quiet run costs a read, its look at the due hints and a write.
 */
export async function acquireSweeperLease(
  ctx: LifecycleContext,
  owner: string,
  settings: SweeperSettings,
  isQuiet: (state: SweeperState) => Promise<boolean> = async () => false,
): Promise<SweeperLease | null> {
  const lock = ctx.repo.sweeper.lock<LockBody>();
  const runId = crypto.randomUUID();
  const now = ctx.clock.now();
  const read = await lock.readVersioned();
  if (read && read.value.run_id !== runId && Date.parse(read.value.expires_at) > now) return null;
  let state = normalise(read?.value.state);
  const releasedBody = (next: SweeperState) => ({
    owner,
    run_id: runId,
    expires_at: iso(ctx.clock.now()),
    state: next,
  });
  let storeNow: Promise<number> | undefined;
  const askStoreNow = () => {
    // One listing tells the store's clock: beats and tombstones are aged by `lastModified`, which is that clock.
    storeNow ??= lock.lastModified().then((written) => written ?? now);
    return storeNow;
  };
  if (read && (await isQuiet(state))) {
    return {
      runId,
      state,
      quiet: true,
      storeNow: askStoreNow,
      release: async (next) => (await lock.replace(releasedBody(next), read.etag)) !== null,
    };
  }
  const leaseBody = {
    owner,
    run_id: runId,
    expires_at: iso(now + settings.budgetMs + LOCK_MARGIN_MS),
    state,
  };
  // Over the version read, in one put; when another run wrote meanwhile (or the answer was lost), the
  // compare-and-swap decides again on what is stored then.
  let held = read ? await lock.replace(leaseBody, read.etag).catch(() => null) : null;
  if (held === null) {
    const result = await lock.update((current) => {
      if (current && current.run_id !== runId && Date.parse(current.expires_at) > now) return undefined;
      return { ...leaseBody, state: normalise(current?.state) };
    });
    if (result.value?.run_id !== runId || result.etag === null) return null;
    state = result.value.state;
    held = result.etag;
  }
  const heldEtag = held;
  return {
    runId,
    state,
    quiet: false,
    storeNow: askStoreNow,
    async release(next) {
      const body = releasedBody(next);
      // Nobody writes the lease while it is held but a run that took it over: a put over the version this run
      // wrote needs no read first. Only when that answer is lost or refused for another reason, read and compare.
      const replaced = await lock.replace(body, heldEtag).catch(() => undefined);
      if (replaced !== undefined) return replaced !== null;
      const released = await lock.update((current) => (current?.run_id === runId ? body : undefined));
      return released.changed;
    },
  };
}

/** Accepts state written by an older version of this code (missing fields get their defaults). */
function normalise(state: Partial<SweeperState> | undefined): SweeperState {
  const initial = initialSweeperState();
  return {
    scan: { ...initial.scan, ...state?.scan },
    beats: { ...state?.beats },
    inventory: { ...initial.inventory, ...state?.inventory },
    orphans: { ...state?.orphans },
    stats: { ...initial.stats, ...state?.stats },
    webhooks: { ...state?.webhooks },
  };
}
