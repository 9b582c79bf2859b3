/**
 * The sweeper: the scheduled level-triggered reconcile (due hints, silent workers, full scans, drift, orphans).
 *
 * @module
 */
export { DEFAULT_SWEEPER_SETTINGS, type SweeperSettings } from './settings';
export { runSweep, type SweepReport } from './sweep';
