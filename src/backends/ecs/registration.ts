/**
 * Task-definition revisions: registering them at the pace ECS allows, and retiring the ones no service needs.
 *
 * ECS throttles RegisterTaskDefinition per account and region with a token bucket of about 20 requests of burst
 * refilled at about 1 per second ("Request throttling for the Amazon ECS API"). The SDK's own retries (a few
 * tries within a second) cannot outlast a drained bucket, so registrations here take a token from a local
 * bucket of the same shape first (so one busy instance does not drain the account's on its own), and a
 * ThrottlingException that still comes back is retried with doubling backoff from one second, within a bound.
 *
 * Every update registers a new revision, and revisions stay ACTIVE until deregistered. After a successful
 * UpdateService the older revisions of the family are deregistered: a service or task already using one keeps
 * running on it (ECS marks it INACTIVE, it does not stop anything), so this only stops the pile-up.
 *
 * @module
 */
import {
  DeregisterTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { errorName } from './errors';

export interface RegistrationPacing {
  /** Tokens the local bucket holds (default 5: other instances share the account's ~20). */
  burst: number;
  /** Tokens added per second (default 1, ECS's sustained rate). */
  perSecond: number;
  /** How long one registration keeps retrying ThrottlingException (default 8 s). */
  retryForMs: number;
}

export const DEFAULT_PACING: RegistrationPacing = { burst: 5, perSecond: 1, retryForMs: 8_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TaskDefinitionRegistrar {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly client: ECSClient,
    private readonly pacing: RegistrationPacing = DEFAULT_PACING,
  ) {
    this.tokens = pacing.burst;
  }

  /** Registers one revision; the ARN. Throws the last error once throttling outlasts `retryForMs`. */
  async register(definition: RegisterTaskDefinitionCommandInput): Promise<string | undefined> {
    const deadline = Date.now() + this.pacing.retryForMs;
    for (let delay = 1_000; ; delay *= 2) {
      await this.take();
      try {
        const { taskDefinition } = await this.client.send(new RegisterTaskDefinitionCommand(definition));
        return taskDefinition?.taskDefinitionArn;
      } catch (error) {
        const wait = delay / 2 + Math.random() * (delay / 2);
        if (errorName(error) !== 'ThrottlingException' || Date.now() + wait > deadline) throw error;
        await sleep(wait);
      }
    }
  }

  /**
   * Deregisters the ACTIVE revisions of `family` older than `keep`. Never a newer one: an update frozen after its
   * UpdateService and resumed after a later update must not retire the revision the service now runs. Best
   * effort: a failure leaves revisions for the next update to retire, and never fails the update that succeeded.
   */
  async retireOthers(family: string, keep: string | undefined): Promise<number> {
    let retired = 0;
    const keepRevision = keep ? revisionOf(keep) : Number.NaN;
    if (Number.isNaN(keepRevision)) return 0;
    try {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken }),
        );
        for (const arn of page.taskDefinitionArns ?? []) {
          // familyPrefix is a prefix: only this exact family's revisions are ours to retire.
          if (familyOf(arn) !== family || !(revisionOf(arn) < keepRevision)) continue;
          await this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
          retired++;
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch {
      // Left for the next update (or the operator): revisions cost nothing but clutter.
    }
    return retired;
  }

  /** The local token bucket: waits until a token is there, then takes it. */
  private async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(
        this.pacing.burst,
        this.tokens + ((now - this.refilledAt) / 1000) * this.pacing.perSecond,
      );
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.pacing.perSecond) * 1000);
    }
  }
}

/** `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>` → family. */
const familyOf = (arn: string) => arn.split('task-definition/')[1]?.split(':')[0];

/** `…:task-definition/<family>:<revision>` → revision (NaN when the ARN has none). */
const revisionOf = (arn: string) => Number(arn.split('task-definition/')[1]?.split(':')[1]);
