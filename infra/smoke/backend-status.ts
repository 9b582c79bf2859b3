/**
 * Reading a worker backend (SAE or ECS, through the product's adapter) until it reaches a state, and saying what
 * was seen, for the lifecycle steps' rows.
 *
 * @module
 */
import type { BackendRef, BackendStatus, WorkerBackend } from '../../src/backends/port';
import { type Polled, pollUntil } from './poll';
import type { Polling } from './step';

export const describeStatus = (polled: Polled<BackendStatus>): string => {
  const s = polled.value;
  const where = `${s.state} (${s.raw}), ${s.instances.length} instance(s)`;
  return polled.met
    ? `${where} after ${(polled.elapsedMs / 1000).toFixed(1)} s`
    : `${where}: gave up waiting`;
};

/**
 * Waits for `done`; `unknown` ends the wait at once, since the adapters report a failed change (a failed SAE
 * change order, a failed ECS rollout) that way and no amount of waiting turns it into the awaited state.
 */
export const waitFor = (
  backend: WorkerBackend,
  ref: BackendRef,
  polling: Polling,
  done: (s: BackendStatus) => boolean,
  seen?: (s: BackendStatus) => void,
): Promise<Polled<BackendStatus>> =>
  pollUntil(() => backend.status(ref), done, polling, {
    stop: (s) => s.state === 'unknown',
    ...(seen ? { seen } : {}),
  });

export const runningOne = (s: BackendStatus): boolean => s.state === 'running' && s.instances.length === 1;
export const stoppedNone = (s: BackendStatus): boolean => s.state === 'stopped' && s.instances.length === 0;
