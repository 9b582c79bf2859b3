/**
 * Teams: team records and keys, quota reservations by name and incarnation, and what a team key may set.
 *
 * @module
 */

export { listTeams } from './list';
export {
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
  updateTeam,
  verifyTeamKey,
} from './records';
