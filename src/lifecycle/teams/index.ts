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
  createTeam,
  handOverName,
  mintTeamKey,
  parseTeamKey,
  releaseName,
  renderTeam,
  requireTeam,
  reserveName,
  revokeTeamKey,
  teamMemberNames,
  updateTeam,
  verifyTeamKey,
  workerNotFound,
} from './records';
