/** Time source of the lifecycle; tests pass a controllable one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * Calls `callback` once `ms` have passed on this clock; returns a cancel function. Optional: without it, deadlines
   * use the platform's `setTimeout`. The deterministic simulator (test/sim) supplies one that runs on virtual time.
   */
  setTimer?(callback: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that only moves when told to; `sleep` advances it instead of waiting. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(epochMs: number): void {
    this.current = epochMs;
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
    await Promise.resolve();
  }
}
