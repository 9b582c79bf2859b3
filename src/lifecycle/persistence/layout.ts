/**
 * Where everything lives inside the state prefix (the README's state layout). Only validated names reach these functions.
 *
 * @module
 */

/** The name part of the due hints for the label schedules: no worker name starts with `_`. */
export const LABEL_SCHEDULES_HINT = '_schedules';

/** 13 nines: inverted epoch milliseconds sort newest first until the year 2286. */
const INVERT_BASE = 9_999_999_999_999;

export const layout = {
  deployment: 'meta/deployment.json',
  hmacKey: 'secrets/_deployment.json',
  worker: (name: string) => `workers/${name}.json`,
  workersPrefix: 'workers/',
  nameOfWorkerKey: (key: string) => key.slice('workers/'.length, -'.json'.length),
  secrets: (name: string, uid: string) => `secrets/${name}/${uid}.json`,
  secretsPrefix: 'secrets/',
  /** `secrets/<name>/<uid>.json` → its name and uid; null for anything else there (the HMAC key). */
  parseSecrets(key: string): { name: string; uid: string } | null {
    const match = /^secrets\/([a-z0-9-]+)\/([^/]+)\.json$/.exec(key);
    return match ? { name: match[1]!, uid: match[2]! } : null;
  },
  beat: (name: string) => `beats/${name}`,
  beatsPrefix: 'beats/',
  /** Time and sequence are both inverted, so two transitions in one millisecond still list newest first. */
  event: (name: string, atMs: number, uid: string, seq: number) =>
    `events/${name}/${String(INVERT_BASE - atMs).padStart(13, '0')}-${uid}-${String(99_999_999 - seq).padStart(8, '0')}.json`,
  /** Same order as events; the `n` marks a note (not a transition) and the random part keeps it unique. */
  note: (name: string, atMs: number, uid: string, random: string) =>
    `events/${name}/${String(INVERT_BASE - atMs).padStart(13, '0')}-${uid}-n${random}.json`,
  eventsPrefix: (name: string) => `events/${name}/`,
  /** Whether an event (or note) key belongs to the incarnation `uid`: `<13 digits>-<uid>-…` after the prefix. */
  isEventOf: (key: string, name: string, uid: string) =>
    key.startsWith(`events/${name}/`) && key.slice(`events/${name}/`.length + 14).startsWith(`${uid}-`),
  /** `due/<12-digit epoch seconds>/<name>/<write_id>`: lexicographic order is time order. */
  hint: (atMs: number, name: string, writeId: string) =>
    `due/${String(Math.max(0, Math.floor(atMs / 1000))).padStart(12, '0')}/${name}/${writeId}`,
  hintsPrefix: 'due/',
  /** The first key after every hint due at or before `atMs`. */
  hintsUpTo: (atMs: number) => `due/${String(Math.floor(atMs / 1000)).padStart(12, '0')}/\uffff`,
  parseHint(key: string): { atMs: number; name: string; writeId: string } | null {
    const match = /^due\/(\d{12})\/([a-z0-9-]+|_schedules)\/([^/]+)$/.exec(key);
    return match ? { atMs: Number(match[1]) * 1000, name: match[2]!, writeId: match[3]! } : null;
  },
  sweeperLock: 'locks/sweeper',
  /** The sweeper's cache of verified record versions (see `sweeper/roster.ts`). */
  sweeperRoster: 'locks/sweeper-roster',
  team: (team: string) => `teams/${team}.json`,
  teamsPrefix: 'teams/',
} as const;

/** The body of `meta/deployment.json`: written once, create-only; its id tags every backend resource. */
export interface DeploymentMeta {
  deployment_id: string;
  created_at: string;
}
