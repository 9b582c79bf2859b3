/**
 * The metric families of `/metrics`, from one fleet sample. Names follow Prometheus conventions (`_seconds`,
 * `_total` on counters). The latency histograms and the credential count cover the events that are read (the
 * newest transitions of the workers that changed most recently, within event retention), so they are windows
 * that may shrink, not counters: use `histogram_quantile` on the buckets as they are, not on `rate()`.
 *
 * @module
 */

import { PHASES } from '../../lifecycle';
import type { FleetSample } from './collect';
import { Exposition } from './exposition';

/** Seconds: a warm Docker wake is about a second, a cold SAE or ECS start a minute or more. */
export const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600] as const;

export function renderMetrics(sample: FleetSample, backendNames: readonly string[]): string {
  const out = new Exposition();

  // Every phase of every backend, zeros included: an absent series and a zero are not the same to an alert.
  const backends = [...new Set([...backendNames, ...sample.workers.map((w) => w.backend)])].sort();
  const counts = new Map<string, number>();
  for (const worker of sample.workers) {
    const key = `${worker.phase}\u0000${worker.backend}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  out.family(
    'orchestrator_workers',
    'gauge',
    'Workers by phase and backend (deleted workers not included).',
    backends.flatMap((backend) =>
      PHASES.map((phase) => ({
        labels: { phase, backend },
        value: counts.get(`${phase}\u0000${backend}`) ?? 0,
      })),
    ),
  );

  out.histogram(
    'orchestrator_wake_to_ready_seconds',
    'Seconds from a wake (sleeping, stopping or failed to starting) to ready, over the events read.',
    LATENCY_BUCKETS,
    [{ observations: sample.latencies.wake }],
  );
  out.histogram(
    'orchestrator_create_to_ready_seconds',
    'Seconds from a create to its first ready, over the events read.',
    LATENCY_BUCKETS,
    [{ observations: sample.latencies.create }],
  );
  out.family(
    'orchestrator_credentials_issued',
    'gauge',
    'Storage credentials issued to workers, as recorded in the event keys read (within event retention).',
    [{ value: sample.credentialsIssued }],
  );

  const sweeper = sample.sweeper;
  out.family('orchestrator_sweeper_runs_total', 'counter', 'Sweeper runs that held the lease and saved it.', [
    { value: sweeper?.runs ?? 0 },
  ]);
  out.family(
    'orchestrator_sweeper_store_operations_total',
    'counter',
    'Store operations of those runs (each before its lease release).',
    [{ value: sweeper?.store_ops ?? 0 }],
  );
  out.family('orchestrator_sweeper_errors_total', 'counter', 'Failed steps of those runs.', [
    { value: sweeper?.errors ?? 0 },
  ]);
  const last = sweeper?.last_run;
  if (last) {
    const started = Date.parse(last.started_at);
    const finished = Date.parse(last.finished_at);
    out.family(
      'orchestrator_sweeper_last_run_store_operations',
      'gauge',
      'Store operations of the last run.',
      [{ value: last.store_ops }],
    );
    out.family(
      'orchestrator_sweeper_last_run_timestamp_seconds',
      'gauge',
      'When the last run finished (Unix seconds).',
      [{ value: finished / 1000 }],
    );
    out.family('orchestrator_sweeper_last_run_duration_seconds', 'gauge', 'How long the last run took.', [
      { value: Math.max(0, (finished - started) / 1000) },
    ]);
  }

  out.family(
    'orchestrator_metrics_truncated',
    'gauge',
    '1 when a cap of this endpoint left part of the state unread (see the README for the caps).',
    [
      { labels: { part: 'workers' }, value: sample.truncated.workers ? 1 : 0 },
      { labels: { part: 'events' }, value: sample.truncated.events ? 1 : 0 },
    ],
  );
  out.family(
    'orchestrator_metrics_store_operations',
    'gauge',
    'Store operations this answer cost (it is computed from state on every uncached request).',
    [{ value: sample.storeOps }],
  );
  return out.text();
}
