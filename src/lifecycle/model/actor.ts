/** Who is asking. Recorded on every transition so a manager can tell "my agent" from "the sweeper". */
export type Actor =
  | { kind: 'manager' }
  | { kind: 'team'; team: string }
  | { kind: 'worker'; name: string }
  | { kind: 'sweeper' }
  | { kind: 'anonymous' };

export const actorLabel = (actor: Actor): string =>
  actor.kind === 'team' ? `team:${actor.team}` : actor.kind;

export const MANAGER: Actor = { kind: 'manager' };
export const SWEEPER: Actor = { kind: 'sweeper' };
