/**
 * Step 5 of a run: one slice of the backend inventory, reconciled against the records. Safety first:
 *
 * - nothing is reconciled unless `meta/deployment.json` exists (it is never created here) and only resources
 *   tagged with its `deployment_id` are considered;
 * - nothing is reconciled while the store has no worker at all but the inventory has ours (a wiped or wrong
 *   bucket must not make a fleet look orphaned);
 * - an orphan (a resource no record of that uid owns) is acted on only when seen in an inventory pass and found
 *   again, by a record read and a direct status lookup, at least `orphanGraceSeconds` later; at most
 *   `maxOrphanActionsPerRun` actions per run; `delete` stops first and deletes only after a further grace;
 * - `lost` (a worker that wants to run whose resource a complete pass did not show) is decided by two direct
 *   status lookups under the worker's lease (`sweeper-revive.ts`), never by the listing.
 *
 * A resource is matched to its record through the roster (no read per resource); only unknown ones are read.
 *
 * @module
 */

import {
  type BackendRef,
  type InventoryItem,
  resourceNameFor,
  type WorkerBackend,
} from '../../backends/port';
import { isLeaseLive, isWorker, type WorkerRecord } from '../model';
import type { OrphanMemo } from './lock';
import { canRevive, revive } from './revive';
import { type Roster, uidKey } from './roster';
import { runBounded, type SweepRun } from './run';
import { READ_CONCURRENCY } from './settings';
import { announceOrphan } from './webhooks';

/** Orphan candidates remembered at most; beyond that something is badly wrong and a human must look. */
const MAX_ORPHAN_MEMOS = 1000;
/** Backend listing pages one run may take of an inventory pass (10,000 resources at 500 a page: two runs). */
const INVENTORY_PAGES_PER_RUN = 10;
/** Lost candidates carried to the next runs at most; the rest are found again by the next pass. */
const MAX_LOST_CANDIDATES = 200;

/** Whether this run has reconcile work: a pass slice, lost candidates or an orphan action (no I/O). */
export function reconcilePending(run: SweepRun): boolean {
  return (
    passDue(run) ||
    run.state.inventory.lost_candidates.length > 0 ||
    Object.values(run.state.orphans).some((memo) => orphanActionDue(run, memo))
  );
}

export async function reconcileSlice(run: SweepRun): Promise<void> {
  run.report.orphans.candidates = Object.keys(run.state.orphans).length;
  // Between passes, with nothing pending, a run costs nothing here (not even the deployment read).
  if (!reconcilePending(run)) return;
  await run.knowStoreTime();
  const meta = await run.ctx.repo.sweeper.deploymentMeta();
  if (!meta) {
    run.report.problems.push('reconcile skipped: meta/deployment.json does not exist');
    return;
  }
  await inventorySlice(run, meta.deployment_id);
  await checkLostCandidates(run);
  await actOnOrphans(run);
  run.report.orphans.candidates = Object.keys(run.state.orphans).length;
}

function passDue(run: SweepRun): boolean {
  const { active, last_pass_started_at: last } = run.state.inventory;
  return (
    active || last === undefined || run.roughStoreNow() - last >= run.settings.fullScanIntervalSeconds * 1000
  );
}

async function inventorySlice(run: SweepRun, deploymentId: string): Promise<void> {
  const inv = run.state.inventory;
  if (!passDue(run)) return;
  if (!inv.active) {
    // Until a full scan has verified every record, every resource would look unknown: ask for one first.
    if (!(await run.roster()).complete) {
      if (!run.state.scan.active) delete run.state.scan.last_pass_started_at;
      return;
    }
    Object.assign(inv, { active: true, pass: inv.pass + 1, backend_index: 0, unlisted: [] });
    inv.pass_started_at = run.storeNow;
    delete inv.cursor;
  }
  const roster = await run.roster();
  const backends = run.ctx.backends.all().sort((a, b) => a.name.localeCompare(b.name));
  // Several pages per run: each run of a pass pays the roster's read and write and the store clock, so a pass in
  // fewer runs costs fewer store operations; the budget still bounds a run.
  for (let page = 0; page < INVENTORY_PAGES_PER_RUN && inv.active && run.hasTime(); page++) {
    if (!(await inventoryPage(run, roster, backends, deploymentId))) return;
  }
}

/** One backend listing page of the pass; false when the pass must stop for this run. */
async function inventoryPage(
  run: SweepRun,
  roster: Roster,
  backends: WorkerBackend[],
  deploymentId: string,
): Promise<boolean> {
  const inv = run.state.inventory;
  const backend = backends[inv.backend_index];
  if (backend) {
    try {
      const page = await backend.list({
        limit: run.settings.inventoryPageSize,
        ...(inv.cursor ? { cursor: inv.cursor } : {}),
      });
      const ours = page.items.filter((item) => item.deploymentId === deploymentId);
      if (ours.length > 0 && (await storeHasNoWorkers(run))) {
        run.report.problems.push(
          `reconcile skipped: the store has no workers but ${backend.name} has resources of this deployment`,
        );
        return false;
      }
      await classify(run, roster, backend.name, ours, deploymentId);
      if (page.cursor) {
        inv.cursor = page.cursor;
        return true;
      }
    } catch (error) {
      run.fail('inventory', backend.name, error);
      inv.unlisted.push(backend.name);
    }
    inv.backend_index++;
    delete inv.cursor;
  }
  if (inv.backend_index >= backends.length)
    finishPass(
      run,
      roster,
      backends.map((b) => b.name),
    );
  return true;
}

/** Asked once per run (a listing), however many of the run's pages show resources of this deployment. */
const storeEmptiness = new WeakMap<SweepRun, Promise<boolean>>();
function storeHasNoWorkers(run: SweepRun): Promise<boolean> {
  let asked = storeEmptiness.get(run);
  if (!asked) {
    asked = run.ctx.repo.sweeper.hasNoWorkers();
    storeEmptiness.set(run, asked);
  }
  return asked;
}

async function classify(
  run: SweepRun,
  roster: Roster,
  backend: string,
  items: InventoryItem[],
  deploymentId: string,
) {
  const pass = run.state.inventory.pass;
  const unknown: InventoryItem[] = [];
  // A running resource whose record does not say it should run: read that record (only those) to tell a
  // transition in flight from drift.
  const suspects: InventoryItem[] = [];
  for (const item of items) {
    const known = roster.get(item.workerName);
    if (known?.k === 'w' && known.u === uidKey(item.uid)) {
      if (known.s !== pass) roster.set(item.workerName, { ...known, s: pass });
      flagMisnamed(run, deploymentId, item);
      if (item.state === 'running' && known.r !== 1) suspects.push(item);
    } else {
      unknown.push(item);
    }
  }
  await runBounded([...unknown, ...suspects], READ_CONCURRENCY, async (item) => {
    try {
      const current = (await run.ctx.repo.read(item.workerName))?.value;
      if (isWorker(current) && current.uid === item.uid) {
        if (unknown.includes(item)) {
          // Created after the roster saw the name: known now; `m: 0` makes the next scan verify it fully.
          roster.set(item.workerName, { u: uidKey(item.uid), k: 'w', m: 0, s: pass });
          flagMisnamed(run, deploymentId, item);
        }
        flagRunningNotAwake(run, current, item);
        return;
      }
      if (unknown.includes(item)) noteOrphan(run, backend, item);
    } catch (error) {
      run.fail('inventory', item.ref.resourceName, error);
    }
  });
}

/** The worker's uid under a name that is not the record's: a second resource of one incarnation. */
function flagMisnamed(run: SweepRun, deploymentId: string, item: InventoryItem): void {
  if (item.ref.resourceName === resourceNameFor(deploymentId, item.workerName, item.uid)) return;
  run.report.drift.misnamed++;
  run.ctx.log.warn('a resource carries a worker uid under a name that is not its record’s', {
    worker: item.workerName,
    resource: item.ref.resourceName,
  });
}

/** Running while its record is settled asleep or failed, with no operation in flight that could explain it. */
function flagRunningNotAwake(run: SweepRun, record: WorkerRecord, item: InventoryItem): void {
  if (item.state !== 'running' || isLeaseLive(record, run.now())) return;
  // Only settled phases: a `stopping` worker may be waiting for an asynchronous stop it already sent.
  if (record.phase !== 'sleeping' && record.phase !== 'failed') return;
  run.report.drift.running_not_awake++;
  run.ctx.log.warn('a resource runs while its record is not awake', {
    worker: item.workerName,
    resource: item.ref.resourceName,
    phase: record.phase,
  });
}

function noteOrphan(run: SweepRun, backend: string, item: InventoryItem): void {
  const key = `${backend}/${item.ref.resourceName}`;
  const orphans = run.state.orphans;
  const memo: OrphanMemo = orphans[key] ?? {
    backend,
    worker: item.workerName,
    uid: item.uid,
    resource_name: item.ref.resourceName,
    ...(item.ref.id ? { id: item.ref.id } : {}),
    first_seen: run.storeNow,
    last_seen: run.storeNow,
  };
  if (!orphans[key] && Object.keys(orphans).length >= MAX_ORPHAN_MEMOS) {
    run.report.problems.push(`more than ${MAX_ORPHAN_MEMOS} orphan candidates; not tracking ${key}`);
    return;
  }
  memo.last_seen = run.storeNow;
  orphans[key] = memo;
}

function finishPass(run: SweepRun, roster: Roster, backends: string[]): void {
  const inv = run.state.inventory;
  const started = inv.pass_started_at ?? run.storeNow;
  inv.active = false;
  inv.last_pass_started_at = started;
  const listed = new Set(backends.filter((name) => !inv.unlisted.includes(name)));
  // Only a record verified before the pass began should have had its resource listed by it.
  inv.lost_candidates = roster
    .entries()
    .filter(
      ([, e]) => e.k === 'w' && e.r === 1 && e.s !== inv.pass && e.m < started && e.b && listed.has(e.b),
    )
    .map(([name]) => name)
    .slice(0, MAX_LOST_CANDIDATES);
  for (const [key, memo] of Object.entries(run.state.orphans)) {
    if (memo.last_seen < started && listed.has(memo.backend)) delete run.state.orphans[key];
  }
}

async function checkLostCandidates(run: SweepRun): Promise<void> {
  const queue = run.state.inventory.lost_candidates;
  while (queue.length > 0 && run.hasTime()) {
    const batch = queue.splice(0, run.settings.backendConcurrency);
    await Promise.all(
      batch.map(async (name) => {
        try {
          const record = (await run.ctx.repo.read(name))?.value;
          if (isWorker(record) && canRevive(record, run.now())) await revive(run, record, 'drift');
        } catch (error) {
          run.fail('lost', name, error);
        }
      }),
    );
  }
}

function orphanActionDue(run: SweepRun, memo: OrphanMemo): boolean {
  const grace = run.settings.orphanGraceSeconds * 1000;
  const sightedLongAgo = run.roughStoreNow() - memo.first_seen >= grace;
  switch (run.settings.orphanAction) {
    case 'report':
      return sightedLongAgo && memo.reported_at === undefined;
    case 'stop':
      return sightedLongAgo && memo.stopped_at === undefined;
    case 'delete':
      return memo.stopped_at === undefined ? sightedLongAgo : run.roughStoreNow() - memo.stopped_at >= grace;
  }
}

async function actOnOrphans(run: SweepRun): Promise<void> {
  const { ctx, settings, report } = run;
  const due = Object.entries(run.state.orphans)
    .filter(([, memo]) => orphanActionDue(run, memo))
    .sort(([, a], [, b]) => a.first_seen - b.first_seen);
  let actions = 0;
  for (const [key, memo] of due) {
    if (actions >= settings.maxOrphanActionsPerRun || !run.hasTime()) return;
    try {
      // The second sighting, made directly: a record of this uid, or no resource any more, ends the matter.
      const current = (await ctx.repo.read(memo.worker))?.value;
      if (isWorker(current) && current.uid === memo.uid) {
        delete run.state.orphans[key];
        continue;
      }
      const backend = ctx.backends.get(memo.backend);
      const ref: BackendRef = { resourceName: memo.resource_name, ...(memo.id ? { id: memo.id } : {}) };
      if ((await backend.status(ref)).state === 'not_found') {
        delete run.state.orphans[key];
        continue;
      }
      actions++;
      const fields = { backend: memo.backend, resource: memo.resource_name, worker: memo.worker };
      // Announced before its first action: if that fails, the action waits for the next run, and so does it.
      if (memo.reported_at === undefined && memo.stopped_at === undefined) await announceOrphan(run, memo);
      if (settings.orphanAction === 'report') {
        memo.reported_at = run.storeNow;
        report.orphans.reported++;
        ctx.log.warn('orphan resource (no record owns it)', fields);
      } else if (memo.stopped_at === undefined) {
        await backend.stop(ref);
        memo.stopped_at = run.storeNow;
        report.orphans.stopped++;
        ctx.log.warn('stopped an orphan resource', fields);
      } else {
        await backend.delete(ref);
        delete run.state.orphans[key];
        report.orphans.deleted++;
        ctx.log.warn('deleted an orphan resource', fields);
      }
    } catch (error) {
      run.fail('orphan', memo.resource_name, error);
    }
  }
}
