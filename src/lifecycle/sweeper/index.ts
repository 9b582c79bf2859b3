export { DEFAULT_SWEEPER_SETTINGS, type SweeperSettings } from './settings';
export { runSweep } from './sweep';
