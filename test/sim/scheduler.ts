/**
 * The cooperative scheduler: virtual time plus a pool of pending network calls and timers, released one at a time
 * in an order drawn from the seed. The real lifecycle code runs unmodified on top of it: each store or backend
 * call it makes returns a promise that only this scheduler settles, so every `await` on the network is a
 * scheduling point where the simulated function may be killed (its continuation never runs) or frozen (the call
 * lands now, the code resumes minutes later).
 *
 * No real timer, network or sleep is involved: between deliveries the scheduler yields one macrotask, which runs
 * every microtask the delivery released, so the state it sees next is fully determined by the seed.
 */
import type { Clock } from '../../src/lifecycle/model/clock';
import type { Random } from './random';

/** One simulated function invocation (a request, a report, a sweeper run). */
export interface Task {
  id: number;
  label: string;
  startedAt: number;
  /** The platform kills an invocation that has not answered by then (its function timeout). */
  hardDeadline: number;
  /** The invocation answered: what is left of it runs in the background and may be frozen for long. */
  answered: boolean;
  dead: boolean;
}

interface Entry {
  seq: number;
  readyAt: number;
  task: Task | undefined;
  label: string;
  fire: () => void;
  /** For a call killed before delivery: the request may still have reached the server. */
  landAnyway?: () => void;
}

/** Scheduler-level faults: what can happen to a function at any await. */
export interface ScheduleFaults {
  /** The function dies at this await, before its call is sent. */
  killBefore: number;
  /** The call lands, then the function dies before its continuation runs. */
  killAfter: number;
  /** The call lands, the function is frozen and resumes 1–15 minutes later (any function). */
  freeze: number;
  /** Extra chance to freeze the background work of a function that has already answered. */
  freezeAnswered: number;
  /**
   * Chance that background work (its function answered, so no timeout stops it) which just filed an outbox entry
   * is frozen before its record write for 3–15 minutes: past the confirmation grace, the sweeper may take the
   * entry for never written while the write is still to come.
   */
  freezeAfterFiling?: number;
}

export const NO_SCHEDULE_FAULTS: ScheduleFaults = {
  killBefore: 0,
  killAfter: 0,
  freeze: 0,
  freezeAnswered: 0,
};

const realSetImmediate = setImmediate;

export class Scheduler {
  private entries: Entry[] = [];
  private seq = 0;
  private taskSeq = 0;
  private readonly trace: string[] = [];
  readonly tasks = new Set<Task>();
  faults: ScheduleFaults;
  /** Deliveries made so far: the unit the soak's rate is measured in. */
  deliveries = 0;
  /** How many recent events the trace keeps (a replay asks for more). */
  traceLines = 40;

  constructor(
    private time: number,
    private readonly rng: Random,
    faults: ScheduleFaults,
    private readonly start = time,
  ) {
    this.faults = { ...faults };
  }

  now(): number {
    return this.time;
  }

  note(line: string): void {
    this.trace.push(`t+${((this.time - this.start) / 1000).toFixed(1)}s ${line}`);
    if (this.trace.length > this.traceLines) this.trace.shift();
  }

  recentTrace(): string[] {
    return [...this.trace];
  }

  /** Starts an invocation; `work` runs until its first network call right away. */
  spawn(label: string, timeoutMs: number, work: (task: Task) => Promise<unknown>, done?: Done): Task {
    const task: Task = {
      id: ++this.taskSeq,
      label,
      startedAt: this.time,
      hardDeadline: this.time + timeoutMs,
      answered: false,
      dead: false,
    };
    this.tasks.add(task);
    this.note(`#${task.id} ${label}`);
    work(task).then(
      (value) => this.settleTask(task, done, { ok: true, value }),
      (error) => this.settleTask(task, done, { ok: false, error }),
    );
    return task;
  }

  private settleTask(task: Task, done: Done | undefined, outcome: Outcome<unknown>) {
    if (task.dead) return;
    task.answered = true;
    const word = outcome.ok
      ? 'ok'
      : `${(outcome.error as Error)?.name}: ${(outcome.error as Error)?.message}`;
    this.note(`#${task.id} answered ${word.slice(0, 120)}`);
    done?.(outcome, task);
    if (!this.entries.some((e) => e.task === task)) this.tasks.delete(task);
  }

  /** A network call: `perform` is its effect at the server (synchronous), applied when the call is delivered. */
  call<T>(task: Task, label: string, perform: () => T, delayMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (task.dead) return;
      const settle = (result: Outcome<T>) => (result.ok ? resolve(result.value) : reject(result.error));
      const run = (): Outcome<T> => {
        try {
          return { ok: true, value: perform() };
        } catch (error) {
          return { ok: false, error };
        }
      };
      this.push(
        task,
        this.time + delayMs,
        label,
        () => {
          this.note(`#${task.id}   ${label}`);
          const f = this.faults;
          if (this.rng.chance(f.killBefore)) return this.kill(task, `died before ${label}`);
          const result = run();
          if (this.rng.chance(f.killAfter)) return this.kill(task, `died after ${label}`);
          const filing = (f.freezeAfterFiling ?? 0) > 0 && task.answered && label.startsWith('put outbox/');
          if (filing && this.rng.chance(f.freezeAfterFiling!)) {
            const ms = this.rng.int(180, 900) * 1000;
            this.note(`#${task.id} frozen ${ms / 1000}s after filing ${label}`);
            this.push(task, this.time + ms, `${label} (thawed)`, () => settle(result));
            return;
          }
          if (this.rng.chance(f.freeze + (task.answered ? f.freezeAnswered : 0))) {
            const ms = this.rng.int(60, 900) * 1000;
            this.note(`#${task.id} frozen ${ms / 1000}s after ${label}`);
            this.push(task, this.time + ms, `${label} (thawed)`, () => settle(result));
            return;
          }
          settle(result);
        },
        () => void run(),
      );
    });
  }

  /** The clock one invocation sees: timers it sets die with it. */
  clockFor(task: Task | undefined): Clock {
    return {
      now: () => this.time,
      sleep: (ms) => new Promise<void>((resolve) => this.setTimer(task, resolve, ms)),
      setTimer: (callback, ms) => this.setTimer(task, callback, ms),
    };
  }

  setTimer(task: Task | undefined, callback: () => void, ms: number): () => void {
    const entry = this.push(task, this.time + Math.max(0, ms), 'timer', callback);
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  private push(
    task: Task | undefined,
    readyAt: number,
    label: string,
    fire: () => void,
    landAnyway?: () => void,
  ) {
    const entry: Entry = {
      seq: ++this.seq,
      readyAt,
      task,
      label,
      fire,
      ...(landAnyway ? { landAnyway } : {}),
    };
    this.entries.push(entry);
    return entry;
  }

  kill(task: Task, why: string): void {
    if (task.dead) return;
    task.dead = true;
    this.note(`#${task.id} ${why}`);
    for (const entry of this.entries.filter((e) => e.task === task)) {
      // A call already on the wire may still land at the server after its caller died.
      if (entry.landAnyway && this.rng.chance(0.5)) entry.landAnyway();
    }
    this.entries = this.entries.filter((e) => e.task !== task);
    this.tasks.delete(task);
  }

  /** Kills every invocation past its function timeout that has not answered (the platform's hard limit). */
  private enforceTimeouts(): void {
    for (const task of [...this.tasks]) {
      if (!task.answered && this.time > task.hardDeadline) this.kill(task, 'timed out (function timeout)');
    }
  }

  pendingCount(): number {
    return this.entries.length;
  }

  readyCount(): number {
    return this.entries.filter((e) => e.readyAt <= this.time).length;
  }

  nextReadyAt(): number | undefined {
    let min: number | undefined;
    for (const e of this.entries) if (min === undefined || e.readyAt < min) min = e.readyAt;
    return min;
  }

  advance(ms: number): void {
    this.time += Math.max(0, ms);
    this.enforceTimeouts();
  }

  /**
   * Time passing between bursts of work. It never jumps past the function timeout of an invocation still at
   * work by more than a millisecond: real calls take milliseconds, so only an invocation that is really stuck (a
   * stalled call, a frozen instance) reaches its timeout and is killed.
   */
  pass(ms: number): number {
    let step = Math.max(0, ms);
    for (const task of this.tasks) {
      if (!task.answered) step = Math.min(step, task.hardDeadline + 1 - this.time);
    }
    this.advance(step);
    return step;
  }

  /** Delivers one ready call or timer, chosen by the seed, and lets everything it released run. */
  async deliverOne(): Promise<boolean> {
    const ready = this.entries.filter((e) => e.readyAt <= this.time);
    if (ready.length === 0) return false;
    const entry = this.rng.pick(ready);
    this.entries = this.entries.filter((e) => e !== entry);
    this.deliveries++;
    // A network round trip takes a few milliseconds of the clock everyone reads.
    this.time += this.rng.int(1, 40);
    entry.fire();
    await drain();
    if (entry.task?.answered && !this.entries.some((e) => e.task === entry.task)) {
      this.tasks.delete(entry.task);
    }
    return true;
  }

  /** Delivers until nothing is pending, moving time forward when only later work is left. */
  async runUntilIdle(maxDeliveries = 20_000): Promise<void> {
    for (let i = 0; i < maxDeliveries && this.entries.length > 0; i++) {
      if (!(await this.deliverOne())) {
        const next = this.nextReadyAt();
        if (next === undefined) return;
        this.advance(next - this.time);
      }
    }
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export type Done = (outcome: Outcome<unknown>, task: Task) => void;

export const drain = () => new Promise<void>((resolve) => realSetImmediate(resolve));
