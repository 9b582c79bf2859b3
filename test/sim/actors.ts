/**
 * The actors: who calls the real service, and with what. A manager (create, wake, sleep, ensure-ready, patch,
 * rotate, delete, activity), a team key creating near its quota, the worker processes running in the simulated
 * backends (readiness reports and busy/idle heartbeats with their instance ids, credential requests), the scheduled
 * sweeper, and the passing of time. Each action is one function invocation (a Task) with its own context.
 */

import type { CredentialIssuer } from '../../src/credentials/port';
import { OrchestratorError } from '../../src/errors';
import { MANAGER } from '../../src/lifecycle/model/actor';
import type { CreateInput, UpdateInput } from '../../src/lifecycle/model/inputs';
import { AWAKE_PHASES, type Phase, type StoredWorker } from '../../src/lifecycle/model/record';
import { issueCredentials } from '../../src/lifecycle/requests/credentials';
import { runSweep } from '../../src/lifecycle/sweeper';
import type { ResourceView } from './backends/cloud';
import type { ActorKind } from './options';
import type { Outcome, Task } from './scheduler';
import { TEAM, type World } from './world';

const TEAM_ACTOR = { kind: 'team', team: TEAM } as const;
const IDLE_TIMEOUTS = [0, 120, 240, 600];
const IMAGES = ['img:1', 'img:2'];
/**
 * Schedule changes ride on the idle-timeout patch, keyed by the timeout drawn (no draw of their own, so the
 * pinned seeds keep their random streams): a wake and a sleep every few minutes, a sleep only, or none.
 */
const withSchedule = (idle: number): UpdateInput => ({
  idle_timeout_seconds: idle,
  schedule:
    idle === 0
      ? { wake: '*/7 * * * *', sleep: '*/3 * * * *', time_zone: 'Europe/Berlin' }
      : idle === 240
        ? { sleep: '*/5 * * * *' }
        : null,
});

/** A credential issuer that answers at once: the STS call itself is not what is under test. */
const simIssuer = {
  provider: 'aws',
  issue: async (req: { workerName: string; durationSeconds: number }) => ({
    provider: 'aws',
    accessKeyId: 'SIMKEY',
    accessKeySecret: 'sim-secret',
    securityToken: 'sim-token',
    expiration: new Date(Date.parse('2026-03-01T00:00:00Z') + req.durationSeconds * 1000).toISOString(),
    bucket: 'sim',
    endpoint: 'sim',
    region: 'sim',
    prefixes: [`agents/${req.workerName}/`],
  }),
  health: async () => ({ ok: true, message: 'sim' }),
} as unknown as CredentialIssuer;

export class Actors {
  /** Busy flag each worker process reports, per uid. */
  private readonly busy = new Map<string, boolean>();

  constructor(private readonly world: World) {}

  private get rng() {
    return this.world.random;
  }

  private timeout(): number {
    return this.world.settings.functionTimeoutSeconds * 1000;
  }

  /** Runs one invocation; an error that is not one of ours is a crash (a 500 in production). */
  spawn(
    label: string,
    work: (task: Task) => Promise<unknown>,
    done?: (outcome: Outcome<unknown>, task: Task) => void,
  ) {
    return this.world.scheduler.spawn(label, this.timeout(), work, (outcome, task) => {
      if (!outcome.ok && !(outcome.error instanceof OrchestratorError)) {
        const error = outcome.error as Error;
        this.world.history.pending.push({
          invariant: 'no_internal_error',
          message: `${label} crashed: ${error?.name}: ${error?.message} ${error?.stack?.split('\n')[1]?.trim() ?? ''}`,
        });
      }
      done?.(outcome, task);
    });
  }

  act(kind: ActorKind): void {
    const name = this.rng.pick(this.world.options.names);
    const service = (task: Task) => this.world.serviceFor(task);
    switch (kind) {
      case 'create':
        return void this.spawn(`create ${name}`, (t) =>
          service(t).create(this.createInput(name, false), MANAGER),
        );
      case 'team_create':
        return void this.spawn(`team create ${name}`, (t) =>
          service(t).create(this.createInput(name, true), TEAM_ACTOR),
        );
      case 'wake':
        return void this.spawn(`wake ${name}`, (t) => service(t).wake(name, MANAGER));
      case 'sleep':
        return void this.spawn(`sleep ${name}`, (t) => service(t).sleep(name, MANAGER));
      case 'ensure_ready':
        return void this.spawn(`ensure-ready ${name}`, (t) =>
          service(t).ensureReady(name, MANAGER, this.rng.int(0, 20)),
        );
      case 'patch': {
        const patch = this.patchFor(name);
        return void this.spawn(`patch ${name} ${JSON.stringify(patch)}`, (t) =>
          service(t).update(name, patch, MANAGER),
        );
      }
      case 'rotate_key':
        return void this.spawn(`rotate key ${name}`, (t) => service(t).rotateKey(name, MANAGER));
      case 'delete':
        return void this.spawn(`delete ${name}`, (t) =>
          service(t).delete(name, MANAGER, this.rng.chance(0.5)),
        );
      case 'activity':
        this.activity(name);
        return;
      case 'report':
        this.report();
        return;
      case 'credentials':
        this.credentials();
        return;
      case 'sweep':
        return void this.spawn('sweeper run', (t) =>
          runSweep(this.world.contextFor(t), { settings: this.world.sweeper }),
        );
      case 'tick':
        this.tick();
        return;
    }
  }

  private createInput(name: string, team: boolean): CreateInput {
    const input: CreateInput = {
      name,
      env: { TOKEN: `v${this.rng.int(1, 3)}` },
      idle_timeout_seconds: this.rng.pick(IDLE_TIMEOUTS),
    };
    if (!team) {
      // A manager-only field; keyed by the timeout drawn, like the patch's.
      const { schedule } = withSchedule(input.idle_timeout_seconds ?? 0);
      if (schedule) input.schedule = schedule;
      input.backend = this.rng.pick(this.world.options.backends);
      if (this.rng.chance(0.1)) input.deletion_protection = true;
    }
    if (this.rng.chance(0.3)) input.ttl_seconds = this.rng.int(20, 120) * 60;
    return input;
  }

  private patchFor(name: string): UpdateInput {
    switch (this.rng.int(0, 3)) {
      case 0:
        return { env: { TOKEN: `v${this.rng.int(1, 5)}` } };
      case 1:
        return { image: this.rng.pick(IMAGES) };
      case 2:
        return withSchedule(this.rng.pick(IDLE_TIMEOUTS));
      default: {
        // Only ever shortens (or sets) a lifetime, so any later expires_at is the system extending it.
        const current = this.world.bucket.json<StoredWorker>(`workers/${name}.json`);
        const now = this.world.now();
        const existing =
          current?.kind === 'worker' && current.expires_at ? Date.parse(current.expires_at) : Infinity;
        const at = Math.min(existing - 60_000, now + this.rng.int(10, 120) * 60_000);
        if (at <= now + 60_000) return { idle_timeout_seconds: this.rng.pick(IDLE_TIMEOUTS) };
        const iso = new Date(at).toISOString();
        this.world.history.requestExpiry(name, iso);
        return { expires_at: iso };
      }
    }
  }

  private activity(name: string): void {
    const leaseSeconds = this.rng.chance(0.5) ? this.rng.int(60, 600) : undefined;
    const wake = this.rng.chance(0.3);
    this.spawn(
      `activity ${name}${leaseSeconds ? ` lease ${leaseSeconds}s` : ''}${wake ? ' wake' : ''}`,
      (t) =>
        this.world.serviceFor(t).activity(name, MANAGER, { ...(leaseSeconds ? { leaseSeconds } : {}), wake }),
      (outcome, task) => {
        if (!outcome.ok) return;
        const { worker } = outcome.value as { worker: { uid: string; phase: Phase; name: string } };
        this.world.history.activities.set(worker.uid, {
          at: task.startedAt,
          leaseEnd: task.startedAt + (leaseSeconds ?? 0) * 1000,
        });
        if (!AWAKE_PHASES.has(worker.phase)) {
          this.world.history.pending.push({
            invariant: 'activity_on_awake_worker',
            message: `activity on ${worker.name} answered 200 (work assigned) while the worker is ${worker.phase}`,
          });
        }
      },
    );
  }

  /** A running instance somewhere in the backends, as its worker process. */
  private someInstance(): { resource: ResourceView; instance: string } | undefined {
    const running = this.world
      .resources()
      .filter((r) => r.instances.length > 0 && r.env.HICLAW_WORKER_API_KEY);
    if (running.length === 0) return undefined;
    const resource = this.rng.pick(running);
    return { resource, instance: this.rng.pick(resource.instances).id };
  }

  report(quiet = false, found = this.someInstance()): void {
    if (!found) return;
    const { resource, instance } = found;
    if (!quiet && this.rng.chance(0.25)) this.busy.set(resource.uid, !this.busy.get(resource.uid));
    const busy = !quiet && (this.busy.get(resource.uid) ?? false);
    const token = resource.env.HICLAW_WORKER_API_KEY!;
    this.spawn(
      `report ${resource.worker} ${instance}${busy ? ' busy' : ''}`,
      async (t) => {
        const service = this.world.serviceFor(t);
        const principal = await service.authenticate(token);
        if (principal.kind !== 'worker') return undefined;
        await service.report(principal.record, { busy, instance_id: instance });
        return principal.record.uid;
      },
      (outcome, task) => {
        if (outcome.ok && busy && typeof outcome.value === 'string')
          this.world.history.busyReports.set(outcome.value, task.startedAt);
      },
    );
  }

  /** Every worker process reports once, not busy (quiescence keeps the fleet alive this way). */
  reportAll(): void {
    for (const resource of this.world.resources()) {
      for (const instance of resource.instances) {
        if (resource.env.HICLAW_WORKER_API_KEY) this.report(true, { resource, instance: instance.id });
      }
    }
  }

  private credentials(): void {
    const found = this.someInstance();
    if (!found) return;
    const token = found.resource.env.HICLAW_WORKER_API_KEY!;
    this.spawn(`credentials ${found.resource.worker}`, async (t) => {
      const ctx = this.world.contextFor(t);
      const principal = await this.world.serviceFor(t).authenticate(token);
      if (principal.kind === 'worker') await issueCredentials(ctx, simIssuer, principal.record);
    });
  }

  private tick(): void {
    const size = this.rng.weighted({ small: 60, medium: 35, large: 5 });
    const ms =
      size === 'small'
        ? this.rng.int(1, 10) * 1000
        : size === 'medium'
          ? this.rng.int(30, 300) * 1000
          : this.rng.int(10, 60) * 60_000;
    const passed = this.world.scheduler.pass(ms);
    this.world.scheduler.note(`tick ${passed / 1000}s`);
  }
}
