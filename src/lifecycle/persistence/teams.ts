/**
 * Team records, `teams/<team>.json`: each one a compare-and-swap document (settings, key hashes, quota
 * reservations), and the listing of their names.
 *
 * @module
 */

import type { ObjectStore } from '../../store/port';
import type { TeamRecord } from '../model';
import { CasDocument } from './document';
import { layout } from './layout';

/** The names of the stored teams, in name order, at most `max` of them. */
export async function listTeamNames(store: ObjectStore, max: number): Promise<string[]> {
  const prefix = layout.teamsPrefix;
  const names: string[] = [];
  let startAfter: string | undefined;
  do {
    const page = await store.list(prefix, { limit: 1000, ...(startAfter ? { startAfter } : {}) });
    for (const { key } of page.keys) {
      if (key.endsWith('.json')) names.push(key.slice(prefix.length, -'.json'.length));
    }
    startAfter = page.cursor;
  } while (startAfter && names.length < max);
  return names.slice(0, max);
}

/** A team's record: settings, key hashes and quota reservations. */
export const teamDocument = (store: ObjectStore, team: string): CasDocument<TeamRecord> =>
  new CasDocument<TeamRecord>(store, 'team', layout.team(team));
