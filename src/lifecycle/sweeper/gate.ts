/**
 * Bounded backend concurrency for one sweeper run: every backend the run's context hands out goes through one
 * gate, so store work (reading records, moving hints) runs wide while backend calls stay within the limit that
 * SAE and ECS account throttles (and the requests sharing them) can bear.
 *
 * @module
 */

import type { WorkerBackend } from '../../backends/port';
import { BackendRegistry, type LifecycleContext } from '../context';

class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    // A finishing call hands its slot straight to the next waiter, so a newcomer can never slip in between.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function gated(backend: WorkerBackend, gate: Gate): WorkerBackend {
  const through =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A) =>
      gate.run(() => call.apply(backend, args));
  return {
    name: backend.name,
    deploymentMode: backend.deploymentMode,
    capabilities: backend.capabilities,
    create: through(backend.create),
    start: through(backend.start),
    stop: through(backend.stop),
    update: through(backend.update),
    delete: through(backend.delete),
    status: through(backend.status),
    list: through(backend.list),
    ...(backend.logs ? { logs: through(backend.logs) } : {}),
    health: through(backend.health),
  };
}

/** The same context, with every backend call of this run passing through one gate of `limit` slots. */
export function withBackendLimit(ctx: LifecycleContext, limit: number): LifecycleContext {
  const gate = new Gate(Math.max(1, limit));
  const available = new Map(ctx.backends.all().map((backend) => [backend.name, gated(backend, gate)]));
  return { ...ctx, backends: new BackendRegistry(available, new Map(ctx.backends.problems())) };
}
