/**
 * One simulated deployment: the scheduler and its virtual clock, the bucket, the three backends, the history, and
 * the factory that gives each simulated function invocation its own LifecycleContext over the REAL repository,
 * driver, sweeper and request code — only the store, the backends and the clock underneath are simulated.
 */
import { BackendRegistry, type LifecycleContext, once, silentLogger } from '../../src/lifecycle/context';
import { deadlineOf } from '../../src/lifecycle/model/policy';
import type { StoredWorker } from '../../src/lifecycle/model/record';
import { DEFAULT_SETTINGS, type LifecycleSettings } from '../../src/lifecycle/model/settings';
import { EventFiler, Webhooks } from '../../src/lifecycle/outbox';
import { WorkerRepository } from '../../src/lifecycle/persistence/repository';
import { WorkerService } from '../../src/lifecycle/requests/service';
import { DEFAULT_SWEEPER_SETTINGS, type SweeperSettings } from '../../src/lifecycle/sweeper';
import { type SimBackend, SimCloud } from './backends/cloud';
import { SimDocker } from './backends/docker';
import { SimEcs } from './backends/ecs';
import { SimSae } from './backends/sae';
import { History } from './history';
import type { SimOptions } from './options';
import { Random } from './random';
import { Scheduler, type Task } from './scheduler';
import { SimBucket } from './sim-store';
import { SimReceiver } from './webhooks';

export const SIM_START = Date.parse('2026-03-01T00:00:00Z');

/** Shorter horizons than production, so a few hundred steps reach wedged, orphan and retention deadlines. */
export const SIM_SETTINGS: LifecycleSettings = {
  ...DEFAULT_SETTINGS,
  defaultBackend: 'docker',
  defaultIdleTimeoutSeconds: 600,
  wedgedAfterSeconds: 900,
  unresponsiveAfterSeconds: 900,
};

export const SIM_SWEEPER: SweeperSettings = {
  ...DEFAULT_SWEEPER_SETTINGS,
  fullScanIntervalSeconds: 600,
  orphanGraceSeconds: 600,
  tombstoneRetentionSeconds: 3600,
};

export const TEAM = 't1';
export const TEAM_QUOTA = 2;

export class World {
  readonly random: Random;
  readonly scheduler: Scheduler;
  readonly bucket: SimBucket;
  readonly cloud: SimCloud;
  readonly backends: SimBackend[];
  readonly history: History;
  /** The webhook endpoint's receiver (registered at set-up) and the events it is owed. */
  readonly receiver: SimReceiver;
  readonly settings = SIM_SETTINGS;
  readonly sweeper = SIM_SWEEPER;

  constructor(
    seed: number,
    readonly options: SimOptions,
  ) {
    this.random = new Random(seed);
    this.scheduler = new Scheduler(SIM_START, this.random, options.faults.schedule);
    this.bucket = new SimBucket(this.scheduler, this.random, options.faults.store);
    this.cloud = new SimCloud(this.scheduler, this.random, options.faults.backend);
    const all: Record<string, SimBackend> = {
      docker: new SimDocker(this.cloud),
      sae: new SimSae(this.cloud),
      ecs: new SimEcs(this.cloud),
    };
    this.backends = options.backends.map((name) => all[name]!);
    this.history = new History(() => this.scheduler.now());
    this.receiver = new SimReceiver(this.random);
    this.bucket.observers.push((key, before, after) => {
      if (!key.startsWith('workers/')) return;
      const parse = (body: string | null) => (body ? (JSON.parse(body) as StoredWorker) : null);
      this.history.observeWorkerWrite(parse(before), parse(after));
      this.receiver.observe(parse(before), parse(after));
    });
  }

  now(): number {
    return this.scheduler.now();
  }

  /** The context of one function invocation: its own owner, and store, backends and clock bound to it. */
  contextFor(task: Task): LifecycleContext {
    const store = this.bucket.viewFor(task);
    const clock = this.scheduler.clockFor(task);
    const webhooks = new Webhooks(store, this.receiver, clock, silentLogger, {
      confirmGraceMs: (this.settings.functionTimeoutSeconds + 60) * 1000,
    });
    const repo = new WorkerRepository(store, deadlineOf(this.settings), () => clock.now(), webhooks);
    return {
      repo,
      backends: new BackendRegistry(new Map(this.backends.map((b) => [b.name, b.viewFor(task)]))),
      settings: { ...this.settings, defaultBackend: this.backends[0]!.name },
      clock,
      owner: `fn-${task.id}`,
      log: silentLogger,
      deployment: once(() => repo.deployment(() => clock.now())),
      hmacKey: once(() => repo.hmacKey()),
      webhooks,
      // What files credentials.issued, as in every deployed function (the credentials one has only this).
      eventFiler: new EventFiler(store, clock, { endpointsCacheMs: 30_000 }),
    };
  }

  serviceFor(task: Task): WorkerService {
    return new WorkerService(this.contextFor(task), { mode: 'keys', managerKeyHashes: [] });
  }

  resources() {
    return this.backends.flatMap((b) => b.resources());
  }
}
