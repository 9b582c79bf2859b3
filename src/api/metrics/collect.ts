/**
 * What `/metrics` reads, each part capped so that one scrape costs a bounded number of store operations, whatever
 * the fleet's size or age:
 * - the worker records: one listing per 1,000 names and one read per name, at most `workers` names, tombstones
 *   (deleted workers kept for a day) included: they are listed and read like the rest;
 * - for the `eventWorkers` workers that changed phase most recently: one listing of their event keys (at most
 *   1,000 keys each, which is where credential issuances are counted, from the key names alone) and the newest
 *   `eventsPerWorker` transitions read;
 * - the sweeper's lease document (one read), where each run leaves its counts.
 * Whatever a cap cut off is reported (`orchestrator_metrics_truncated`), never silently dropped.
 *
 * @module
 */

import { layout, type WorkerRepository } from '../../lifecycle';
import { readJson } from '../../store/cas';
import { countOperations } from '../../store/counted';
import { type Latencies, latenciesOf, type TransitionEvent } from './latency';

export interface MetricsLimits {
  workers: number;
  eventWorkers: number;
  eventsPerWorker: number;
}

/** ≈ 2 + 2,000 + 200 × (1 + 20) = 6,202 store operations at most per scrape; a small fleet costs far less. */
export const DEFAULT_LIMITS: MetricsLimits = { workers: 2000, eventWorkers: 200, eventsPerWorker: 20 };

/** Records read at once: hides store latency without tripping its throttling (as the listing does). */
const READ_CONCURRENCY = 16;
/** One listing page of event keys per worker. */
const EVENT_KEYS_PER_WORKER = 1000;

export interface WorkerSample {
  name: string;
  phase: string;
  backend: string;
  team: string;
}

/** The fields of the sweeper's stats this reads (see `lifecycle/sweeper/stats.ts`). */
export interface SweeperSample {
  runs: number;
  store_ops: number;
  errors: number;
  last_run?: { started_at: string; finished_at: string; store_ops: number; errors: number };
}

export interface FleetSample {
  workers: WorkerSample[];
  latencies: Latencies;
  credentialsIssued: number;
  sweeper: SweeperSample | null;
  truncated: { workers: boolean; events: boolean };
  /** What the sample cost. */
  storeOps: number;
}

export async function collectFleet(
  repository: WorkerRepository,
  limits: MetricsLimits = DEFAULT_LIMITS,
): Promise<FleetSample> {
  const store = countOperations(repository.store);
  const repo = repository.over(store);
  const truncated = { workers: false, events: false };

  const records: { sample: WorkerSample; uid: string; changedAt: number }[] = [];
  // Every name listed is read, tombstone or not, so every one counts toward the cap: counting only live workers
  // let a fleet with many recent deletions cost without bound.
  let read = 0;
  // Listings are capped too: a store may answer short pages, and each one is a billed request.
  const maxListings = Math.ceil(limits.workers / 1000);
  let listings = 0;
  let cursor: string | undefined;
  do {
    listings++;
    const page = await repo.listNames({
      limit: Math.min(1000, limits.workers - read),
      ...(cursor ? { startAfter: cursor } : {}),
    });
    const names = page.names.map((entry) => entry.name).slice(0, limits.workers - read);
    read += names.length;
    for (let i = 0; i < names.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(names.slice(i, i + READ_CONCURRENCY).map((name) => repo.read(name)));
      for (const result of batch) {
        const record = result?.value;
        // Tombstones (deleted workers kept for a day) are read, but are not workers.
        if (record?.kind !== 'worker') continue;
        records.push({
          sample: {
            name: record.name,
            phase: record.phase,
            backend: record.spec.backend,
            team: record.team ?? '',
          },
          uid: record.uid,
          changedAt: Date.parse(record.last_transition.at),
        });
      }
    }
    cursor = page.cursor;
    if (cursor && (read >= limits.workers || listings >= maxListings)) truncated.workers = true;
  } while (cursor && !truncated.workers);

  const latencies: Latencies = { wake: [], create: [] };
  let credentialsIssued = 0;
  const recent = [...records].sort((a, b) => b.changedAt - a.changedAt);
  if (recent.length > limits.eventWorkers) truncated.events = true;
  for (let i = 0; i < Math.min(recent.length, limits.eventWorkers); i += READ_CONCURRENCY) {
    const batch = recent.slice(i, Math.min(i + READ_CONCURRENCY, limits.eventWorkers));
    const results = await Promise.all(
      batch.map((worker) => eventsOf(repo, worker.sample.name, worker.uid, limits.eventsPerWorker)),
    );
    for (const result of results) {
      latenciesOf(result.events, latencies);
      credentialsIssued += result.notes;
      if (result.truncated) truncated.events = true;
    }
  }

  const lock = await readJson<{ state?: { stats?: SweeperSample } }>(store, layout.sweeperLock);
  return {
    workers: records.map((r) => r.sample),
    latencies,
    credentialsIssued,
    sweeper: lock?.value.state?.stats ?? null,
    truncated,
    storeOps: store.operations(),
  };
}

/** One listing of a worker's event keys (newest first): notes counted by name, the newest transitions read. */
async function eventsOf(repo: WorkerRepository, name: string, uid: string, max: number) {
  const page = await repo.store.list(layout.eventsPrefix(name), { limit: EVENT_KEYS_PER_WORKER });
  const own = page.keys.map((k) => k.key).filter((key) => layout.isEventOf(key, name, uid));
  // A note's key has `n` right after the uid (`…-<uid>-n<random>.json`); a transition's has its sequence.
  const isNote = (key: string) => key.includes(`-${uid}-n`);
  const transitions = own.filter((key) => !isNote(key)).slice(0, max);
  const read = await Promise.all(transitions.map((key) => readJson<TransitionEvent>(repo.store, key)));
  return {
    events: read.flatMap((event) => (event ? [event.value] : [])),
    notes: own.filter(isNote).length,
    truncated: page.cursor !== undefined,
  };
}
