/**
 * The invariant checker: runs the enabled invariants after every step, and the convergence ones at quiescence.
 * Each invariant can be switched off by name, so a test can target one scenario.
 */
import type { Violation } from '../history';
import type { InvariantName } from '../options';
import type { World } from '../world';
import { converged, deletedIncarnationGone, eventsExplainPhases, noStaleHint } from './quiescence';
import { snapshot } from './snapshot';
import {
  hintCoversDeadline,
  noForeignResource,
  SecretHasRecord,
  singleRunningResource,
  specHasSecrets,
  teamQuota,
} from './state';
import { webhookDelivered, webhookForCommit } from './webhooks';

export { isSettled } from './quiescence';

export class Checker {
  private readonly secrets = new SecretHasRecord();
  private readonly enabled: Set<string>;

  constructor(
    private readonly world: World,
    invariants: readonly InvariantName[],
  ) {
    this.enabled = new Set(invariants);
  }

  private keep(violations: Violation[]): Violation[] {
    return violations.filter((v) => this.enabled.has(v.invariant));
  }

  /** Violations observed while the step ran (history) plus those of the state it left. */
  afterStep(atQuiescence = false): Violation[] {
    const found = this.world.history.pending.splice(0);
    const s = snapshot(this.world);
    const on = (name: InvariantName) => this.enabled.has(name);
    if (on('single_running_resource')) found.push(...singleRunningResource(s));
    if (on('no_foreign_resource')) found.push(...noForeignResource(s, this.world));
    if (on('team_quota')) found.push(...teamQuota(s, this.world));
    if (on('hint_covers_deadline')) found.push(...hintCoversDeadline(s, this.world));
    if (on('secret_has_record')) found.push(...this.secrets.check(s, this.world, atQuiescence));
    if (on('spec_has_secrets')) found.push(...specHasSecrets(s, this.world));
    if (on('webhook_for_commit')) found.push(...webhookForCommit(this.world));
    return this.keep(found);
  }

  atQuiescence(retentionSlackMs: number, staleHintMs: number): Violation[] {
    const found = this.afterStep(true);
    const s = snapshot(this.world);
    found.push(...converged(s), ...deletedIncarnationGone(s, this.world, retentionSlackMs));
    found.push(...noStaleHint(s, staleHintMs), ...eventsExplainPhases(s, this.world));
    found.push(...webhookDelivered(this.world, s.keys));
    return this.keep(found);
  }
}
