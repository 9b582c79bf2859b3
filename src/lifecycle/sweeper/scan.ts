/**
 * Step 4 of a run: one slice of the full scan of `workers/`, the safety net under the hint invariant.
 *
 * A pass starts at most every `fullScanIntervalSeconds` and lists one page of names per run (more for a fleet too
 * large to cover in one interval). Only records whose `lastModified` moved since the roster verified them are
 * read: nothing else can have lost a hint or an event since. For those it re-files a missing or late hint
 * (counted in `hint_repaired`, which should stay at zero), re-emits a missing last event, and trims events past
 * the retention. Tombstones older than 24 h are removed, with the events of their incarnation (nothing can reach
 * them once the name answers 404). Once every name is verified, the pass lists `secrets/` and removes the env
 * values of incarnations that have no live record (a create or a delete that died half-way leaves them).
 *
 * @module
 */

import type { StoredWorker, Tombstone, WorkerRecord } from '../model';
import { isWorker, nextAction } from '../model';
import type { Read } from '../persistence';
import { refileLabelScheduleHint } from './label-schedules';
import { hintTime } from './policies';
import type { Roster, RosterEntry } from './roster';
import { uidKey } from './roster';
import { runBounded, type SweepRun } from './run';
import { EVENT_TRIM_INTERVAL_MS, orphanSecretGraceMs, READ_CONCURRENCY } from './settings';

/** Listing pages of each phase (names, then secrets) one run may take: 10,000 workers in one run. */
const SCAN_PAGES_PER_RUN = 10;

/** A hint for an overdue worker may sit up to the longest backoff (15 min) ahead, plus one run. */
const OVERDUE_HINT_SLACK_MS = 16 * 60_000;

/**
 * Whether this run has a slice of the full scan to do (no I/O: a quiet run is decided on it). A cadence of an
 * hour: our clock is close enough to the store's to decide, without asking the store.
 */
export function scanDue(run: SweepRun): boolean {
  const scan = run.state.scan;
  const last = scan.last_pass_started_at;
  return (
    scan.active ||
    last === undefined ||
    run.roughStoreNow() - last >= run.settings.fullScanIntervalSeconds * 1000
  );
}

export async function scanSlice(run: SweepRun): Promise<void> {
  const scan = run.state.scan;
  if (!scanDue(run)) return;
  await run.knowStoreTime();
  if (!scan.active) {
    scan.active = true;
    scan.pass_started_at = run.storeNow;
    scan.seen = 0;
    delete scan.cursor;
    delete scan.phase;
    delete scan.secrets_cursor;
    await refileLabelScheduleHint(run).catch((error) => run.fail('scan', 'schedules', error));
  }
  const roster = await run.roster();
  const runsPerPass = Math.max(1, run.settings.fullScanIntervalSeconds / run.settings.runIntervalSeconds);
  // At least SCAN_PAGES_PER_RUN: each run of a pass pays the roster's read and write and the store clock, so a
  // pass in fewer runs costs fewer store operations (a quiet page reads no record); the budget bounds a run.
  const pages = Math.max(
    SCAN_PAGES_PER_RUN,
    Math.ceil((scan.last_pass_count ?? 0) / run.settings.scanPageSize / runsPerPass),
  );
  // Each phase lists up to `pages` pages per run: a fleet of up to 10,000 is one run, a larger one's slices are
  // spread over the interval.
  for (let i = 0; i < pages && scan.phase !== 'secrets' && run.hasTime(); i++) {
    const after = scan.cursor;
    const page = await run.ctx.repo.listNames({
      limit: run.settings.scanPageSize,
      ...(after ? { startAfter: after } : {}),
    });
    await verifyPage(run, roster, after, page);
    scan.seen += page.names.length;
    if (!page.cursor) {
      // Every name is verified: the roster now tells which incarnation each name holds, so the secrets that
      // follow are matched against it without a read each.
      scan.phase = 'secrets';
      scan.last_pass_count = scan.seen;
      delete scan.cursor;
      delete scan.secrets_cursor;
      roster.markComplete();
    } else {
      scan.cursor = page.cursor;
    }
  }
  for (let i = 0; i < pages && scan.phase === 'secrets' && run.hasTime(); i++) {
    const page = await run.ctx.repo.sweeper.listSecrets({
      limit: run.settings.scanPageSize,
      ...(scan.secrets_cursor ? { startAfter: scan.secrets_cursor } : {}),
    });
    await removeOrphanSecrets(run, roster, page.secrets);
    if (page.cursor) {
      scan.secrets_cursor = page.cursor;
    } else {
      scan.active = false;
      scan.last_pass_started_at = scan.pass_started_at;
      delete scan.phase;
      delete scan.secrets_cursor;
    }
  }
}

/**
 * Env values whose incarnation has no live record: left by a create that died between its secrets and its record
 * (they are written first), or by a delete that died before its clean-up and whose tombstone a re-create replaced
 * (the tombstone's removal would have taken them). Nothing else would ever remove them. One is removed only once
 * older than the grace of a create still at work, after a read of the record, and only as the version read.
 */
async function removeOrphanSecrets(
  run: SweepRun,
  roster: Roster,
  secrets: { name: string; uid: string; lastModified: number }[],
): Promise<void> {
  const youngerThan = run.storeNow - orphanSecretGraceMs(run.ctx.settings.functionTimeoutSeconds);
  const suspects = secrets.filter(({ name, uid, lastModified }) => {
    const known = roster.get(name);
    if (known?.k === 'w' && known.u === uidKey(uid)) return false;
    return lastModified <= youngerThan;
  });
  const { repo } = run.ctx;
  await runBounded(suspects, READ_CONCURRENCY, async ({ name, uid }) => {
    try {
      const removed = await repo.sweeper.deleteSecretsIf(name, uid, async () => {
        const record = (await repo.read(name))?.value;
        return !(isWorker(record) && record.uid === uid);
      });
      if (removed) {
        run.report.secrets_removed++;
        run.ctx.log.warn('sweeper removed env values no live record names', { worker: name, uid });
      }
    } catch (error) {
      run.fail('secrets', name, error);
    }
  });
}

interface Listed {
  name: string;
  lastModified: number;
}

async function verifyPage(
  run: SweepRun,
  roster: Roster,
  after: string | undefined,
  page: { names: Listed[]; cursor?: string },
): Promise<void> {
  const listed = new Set(page.names.map((n) => n.name));
  for (const name of roster.namesBetween(after, page.cursor)) if (!listed.has(name)) roster.remove(name);
  const tombstoneAge = run.settings.tombstoneRetentionSeconds * 1000;
  const toRead = page.names.filter(({ name, lastModified }) => {
    const known = roster.get(name);
    if (!known || known.m !== lastModified) return true;
    return known.k === 't' && lastModified <= run.storeNow - tombstoneAge;
  });
  const workers: WorkerRecord[] = [];
  await runBounded(toRead, READ_CONCURRENCY, async ({ name, lastModified }) => {
    try {
      const read = await run.ctx.repo.read(name);
      const record = await verifyOne(run, roster, name, lastModified, read);
      if (record) workers.push(record);
    } catch (error) {
      run.fail('scan', name, error);
    }
  });
  // Listed only after the records were read: any hint filed for what we read was written before it.
  if (workers.length > 0) await repairHints(run, workers);
}

async function verifyOne(
  run: SweepRun,
  roster: Roster,
  name: string,
  lastModified: number,
  read: Read<StoredWorker> | null,
): Promise<WorkerRecord | null> {
  const { repo } = run.ctx;
  if (!read) {
    roster.remove(name);
    return null;
  }
  const value = read.value;
  if (
    value.kind === 'tombstone' &&
    lastModified <= run.storeNow - run.settings.tombstoneRetentionSeconds * 1000
  ) {
    // Its outbox entries are decided against the tombstone and its events: both must outlive the decision.
    if (run.ctx.webhooks && !(await run.ctx.webhooks.decideBeforeForgetting(name))) return null;
    if (await removeTombstone(run, value, read.etag)) roster.remove(name);
    return null;
  }
  if (!(await repo.hasEventFor(value))) {
    // Its maker died right after the write: the outbox entry may be gone too (taken for never written). Filed
    // before the event, so a run killed between the two finds the event still missing next time.
    await run.ctx.webhooks?.refileCommitted(value, run.ctx.settings.eventRetentionDays * 86_400_000);
    await repo.appendEventFor(value);
    run.report.events_repaired++;
  }
  if (value.kind === 'tombstone') {
    roster.set(name, { u: uidKey(value.uid), k: 't', m: lastModified });
    return null;
  }
  const known = roster.get(name);
  const sameIncarnation = known?.u === uidKey(value.uid);
  // Only a name with a record older than the retention can hold events past it (earlier incarnations' included).
  const retentionStart = run.storeNow - run.ctx.settings.eventRetentionDays * 86_400_000;
  let trimmedAt = sameIncarnation ? known?.x : undefined;
  const trimDue = trimmedAt === undefined || trimmedAt <= run.storeNow - EVENT_TRIM_INTERVAL_MS;
  if (trimDue && Date.parse(value.created_at) <= retentionStart) {
    await repo.deleteEvents(name, retentionStart);
    trimmedAt = run.storeNow;
  }
  const entry: RosterEntry = { u: uidKey(value.uid), k: 'w', m: lastModified };
  if (trimmedAt !== undefined) entry.x = trimmedAt;
  if (wantsResource(value)) {
    entry.r = 1;
    entry.b = value.spec.backend;
  }
  if (sameIncarnation && known?.s !== undefined) entry.s = known.s;
  roster.set(name, entry);
  return value;
}

/** The inventory must show this worker's resource: it should be running and the backend named it. */
const wantsResource = (r: WorkerRecord): boolean =>
  r.desired === 'running' &&
  (r.phase === 'ready' || r.phase === 'starting') &&
  r.backend_ref?.id !== undefined;

async function repairHints(run: SweepRun, workers: WorkerRecord[]): Promise<void> {
  const { repo } = run.ctx;
  const earliest = await repo.sweeper.earliestHints();
  const now = run.now();
  for (const record of workers) {
    const deadline = nextAction(record, run.ctx.settings)?.at;
    if (deadline === undefined) continue;
    const have = earliest.get(record.name);
    // Hints carry whole seconds; an overdue worker's hint legitimately sits ahead by its backoff.
    const latestAcceptable = deadline > now ? deadline : now + OVERDUE_HINT_SLACK_MS;
    if (have !== undefined && have <= latestAcceptable) continue;
    const at = hintTime(record, run.ctx.settings, now)!;
    try {
      await repo.putHint(at, record.name, record.write_id);
      run.report.hint_repaired++;
      run.ctx.log.warn('sweeper re-filed a missing hint', {
        worker: record.name,
        at: new Date(at).toISOString(),
      });
    } catch (error) {
      run.fail('scan', record.name, error);
    }
  }
}

/** Conditional on the tombstone we read: a create that reused the name meanwhile wins. */
async function removeTombstone(run: SweepRun, tombstone: Tombstone, etag: string): Promise<boolean> {
  const { repo } = run.ctx;
  // Where a conditional delete is only emulated, it could remove a record created over the tombstone between
  // its check and its delete. Keeping the tombstone costs one small object; losing a worker is not acceptable.
  if (!repo.sweeper.canDeleteTombstones) return false;
  if (!(await repo.sweeper.deleteTombstone(tombstone.name, etag))) return false;
  run.report.tombstones_removed++;
  await repo.sweeper.deleteIncarnationEvents(tombstone.name, tombstone.uid);
  await repo.deleteSecrets(tombstone.name, tombstone.uid);
  const beat = await repo.readBeat(tombstone.name);
  if (beat?.uid === tombstone.uid) await repo.deleteBeat(tombstone.name);
  return true;
}
