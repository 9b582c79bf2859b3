/**
 * Teams: team records and keys, quota reservations by name and incarnation, and what a team key may set.
 *
 * @module
 */

export { listTeams } from './list';
export {
  actorOwns,
  assertActorMayClaim,
  assertActorOwns,
  checkTeamCreate,
  checkTeamUpdate,
  workerNotFound,
} from './permissions';
export {
  createTeam,
  mintTeamKey,
  parseTeamKey,
  renderTeam,
  requireTeam,
  revokeTeamKey,
  teamMemberNames,
  teamOfKey,
  updateTeam,
} from './records';
export { handOverName, releaseName, reserveName } from './reservations';
