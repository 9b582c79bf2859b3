/**
 * Fires the scheduled (sweeper) function every `intervalSeconds`, as the platforms' cron does, one run at a time:
 * a run still going when the next is due (or when a test triggers one) is waited for, never doubled.
 */
export class SweepTimer {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Runs that ended without an exception in the scheduled function. */
  completed = 0;

  constructor(
    private readonly fire: () => Promise<void>,
    private readonly intervalSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.schedule();
  }

  /** Runs the function now (or joins the run in flight) and resolves when it is over. */
  trigger(): Promise<void> {
    this.running ??= this.fire()
      .then(() => {
        this.completed++;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped || this.intervalSeconds === 0) return;
    this.timer = setTimeout(() => {
      this.trigger()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalSeconds * 1000);
  }
}
