/**
 * `/metrics`: fleet metrics in the Prometheus text format, computed from the state store on request (no process
 * keeps counters, so nothing must stay up between scrapes), each read capped.
 *
 * @module
 */
export { collectFleet, DEFAULT_LIMITS, type FleetSample, type MetricsLimits } from './collect';
export { EXPOSITION_CONTENT_TYPE } from './exposition';
export { type Latencies, latenciesOf } from './latency';
export { LATENCY_BUCKETS, renderMetrics } from './render';
