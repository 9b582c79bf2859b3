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
import type { Draft } from '../persistence';
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
});

export interface SweeperLease {
  runId: string;
  state: SweeperState;
  /**
   * The store's clock when the lease was written: `lastModified` values compare against this, not ours. Asked
   * only by a step that ages something (it costs a listing), so a quiet run does not pay for it.
   */
  storeNow(): Promise<number>;
  /** Saves the state and frees the lease; false when another run took it over meanwhile (state dropped). */
  release(state: SweeperState): Promise<boolean>;
}

/** Takes `locks/sweeper` unless another run holds a live lease; `null` means skip this run. */
export async function acquireSweeperLease(
  ctx: LifecycleContext,
  owner: string,
  settings: SweeperSettings,
): Promise<SweeperLease | null> {
  const lock = ctx.repo.sweeper.lock<LockBody>();
  const runId = crypto.randomUUID();
  const now = ctx.clock.now();
  const result = await lock.update((current) => {
    if (current && current.run_id !== runId && Date.parse(current.expires_at) > now) return undefined;
    const body: Draft<LockBody> = {
      owner,
      run_id: runId,
      expires_at: iso(now + settings.budgetMs + LOCK_MARGIN_MS),
      state: normalise(current?.state),
    };
    return body;
  });
  if (result.value?.run_id !== runId || result.etag === null) return null;
  const state = result.value.state;
  const held = result.etag;
  let storeNow: Promise<number> | undefined;
  return {
    runId,
    state,
    storeNow() {
      // One listing tells the store's clock: beats and tombstones are aged by `lastModified`, which is that clock.
      storeNow ??= lock.lastModified().then((written) => written ?? now);
      return storeNow;
    },
    async release(next) {
      const body = { owner, run_id: runId, expires_at: iso(ctx.clock.now()), state: next };
      // Nobody writes the lease while it is held but a run that took it over: a put over the version this run
      // wrote needs no read first. Only when that answer is lost or refused for another reason, read and compare.
      const replaced = await lock.replace(body, held).catch(() => undefined);
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
  };
}
