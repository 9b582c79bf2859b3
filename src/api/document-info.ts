/**
 * The parts of `/openapi.json` that belong to no single route: the description, the tags, the security scheme
 * and what each access rule means in words.
 *
 * @module
 */

import type { Access } from './context';

export const API_TITLE = 'Worker lifecycle orchestrator';

export const API_DESCRIPTION = [
  'Creates, wakes, puts to sleep and deletes long-lived agent workers; state lives in object storage.',
  'Send `Authorization: Bearer <key>`: a manager key (from `MANAGER_API_KEYS`), a team key, or the worker key a',
  'create returned. Errors are `{"message","code"}` (plus `field` for bad input); every response carries',
  '`x-request-id`.',
].join(' ');

export const SECURITY_SCHEME = {
  name: 'bearer',
  scheme: {
    type: 'http' as const,
    scheme: 'bearer',
    description:
      'A manager key, a team key, or a worker key. Each operation says which it accepts (`x-access`); a missing or unknown key is a 401, a known key on the wrong route a 403.',
  },
};

/** What each access rule accepts, as the document's operations say it. */
export const ACCESS_WORDS: Record<Access, string> = {
  public: 'public, no key',
  manager: 'a manager key, or a team key for its own team’s workers',
  admin: 'a manager key',
  'worker-self': 'the worker named in the path, with its own key',
  worker: 'any worker, with its own key',
  token: 'any known key; the route applies HiClaw’s authorization matrix',
};

export const API_TAGS = [
  { name: 'workers', description: 'Create, read, update, list and delete workers.' },
  { name: 'lifecycle', description: 'Wake, sleep, ensure-ready and activity: what moves a worker.' },
  { name: 'workers-self', description: 'What a worker calls about itself, with its own key.' },
  { name: 'teams', description: 'Teams and their keys.' },
  { name: 'schedules', description: 'Wake and sleep times for every worker carrying some labels.' },
  { name: 'credentials', description: 'Short-lived storage credentials for workers.' },
  { name: 'hiclaw /api/v1', description: 'The hiclaw-controller contract, over the same lifecycle.' },
  { name: 'meta', description: 'Health, metrics, this document and the pages.' },
  { name: 'emulator', description: 'Served by the local emulator only.' },
];
