/**
 * The hiclaw-controller `/api/v1` request and response shapes (camelCase, as HiClaw sends them). Requests are
 * validated for shape only: the agent fields are HiClaw's, stored and handed to the worker, never interpreted.
 *
 * @module
 */

import { z } from 'zod';
import { WORKER_NAME_PATTERN } from '../../names';

const text = (max: number) => z.string().max(max);
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/;
/** Long agent documents (identity, soul, AGENTS.md) fit; the whole profile is further capped at 48 KiB. */
const DOC = 16 * 1024;

export const DECLARED_STATES = ['Running', 'Sleeping', 'Stopped'] as const;
export type DeclaredState = (typeof DECLARED_STATES)[number];
export const PHASE_WORDS = ['Pending', 'Running', 'Ready', 'Sleeping', 'Stopped', 'Failed'] as const;
export type PhaseWord = (typeof PHASE_WORDS)[number];

const mcpServer = z.strictObject({ name: text(128), url: text(2048), transport: text(32).optional() });
const exposePort = z.strictObject({ port: z.int().min(1).max(65_535), protocol: text(16).optional() });
const nameList = z.array(text(256)).max(256);
const channelPolicy = z.strictObject({
  groupAllowExtra: nameList.optional(),
  groupDenyExtra: nameList.optional(),
  dmAllowExtra: nameList.optional(),
  dmDenyExtra: nameList.optional(),
});

/** The agent fields: what the worker's agent is, as opposed to where and whether it runs. */
export const agentFields = {
  workerName: text(253).optional(),
  model: text(256).optional(),
  identity: text(DOC).optional(),
  soul: text(DOC).optional(),
  agents: text(DOC).optional(),
  skills: z.array(text(256)).max(256).optional(),
  mcpServers: z.array(mcpServer).max(64).optional(),
  package: text(2048).optional(),
  expose: z.array(exposePort).max(32).optional(),
  channelPolicy: channelPolicy.optional(),
};
export const AGENT_FIELD_NAMES = Object.keys(agentFields) as (keyof typeof agentFields)[];

const placement = {
  runtime: z.enum(['openclaw', 'copaw', 'hermes']).optional(),
  image: z.string().regex(IMAGE, 'not a valid image reference').optional(),
  containerManaged: z.boolean().optional(),
  state: z.enum(DECLARED_STATES).optional(),
};

export const v1CreateBody = z.strictObject({
  name: z.string().regex(WORKER_NAME_PATTERN, 'must be 1-63 of a-z, 0-9 and -, starting with a letter'),
  ...agentFields,
  ...placement,
});
export const v1UpdateBody = z.strictObject({ ...agentFields, ...placement });
export type V1CreateBody = z.output<typeof v1CreateBody>;
export type V1UpdateBody = z.output<typeof v1UpdateBody>;

/** Fields HiClaw reserves for team management; setting them on a worker is a 400, as HiClaw answers. */
export const RESERVED_TEAM_FIELDS = ['team', 'role', 'teamLeader'] as const;
/** The older contract's create fields HiClaw's controller accepts and drops; we drop them too, so its scripts work. */
export const IGNORED_LEGACY_FIELDS = ['env', 'network', 'extra_hosts', 'working_dir', 'backend'] as const;

export const v1EnsureReadyQuery = z.strictObject({
  timeout_seconds: z.coerce.number().int().min(0).max(3600).optional(),
});
export const v1ListQuery = z.strictObject({
  team: z.string().regex(WORKER_NAME_PATTERN, 'not a team name').optional(),
});
export const v1EmptyQuery = z.strictObject({});

// --- responses (documentation) ---------------------------------------------------------------------------

export const v1Error = z.object({ message: z.string() });

export const v1WorkerResponse = z.object({
  name: z.string(),
  phase: z.enum(PHASE_WORDS),
  state: z.enum(DECLARED_STATES),
  containerManaged: z.boolean().optional().describe('Omitted when false, as HiClaw does'),
  model: z.string().optional(),
  runtime: z.string().optional(),
  image: z.string(),
  containerState: z.enum(['running', 'starting', 'stopped', 'not_found', 'unknown']),
  message: z.string().optional(),
  team: z.string().optional(),
  role: z.string().optional(),
  ...Object.fromEntries(AGENT_FIELD_NAMES.filter((n) => n !== 'model').map((n) => [n, agentFields[n]])),
});
export const v1WorkerList = z.object({ workers: z.array(v1WorkerResponse), total: z.number() });
export const v1Lifecycle = z.object({ name: z.string(), phase: z.enum(PHASE_WORDS) });

export const v1Team = z.object({
  name: z.string(),
  teamName: z.string(),
  phase: z.enum(['Active']),
  totalWorkers: z.number(),
  readyWorkers: z.number(),
  workerNames: z.array(z.string()),
});
export const v1TeamList = z.object({ teams: z.array(v1Team), total: z.number() });
export const v1Status = z.object({
  kubeMode: z.string(),
  totalWorkers: z.number(),
  totalTeams: z.number(),
  totalHumans: z.number(),
});
export const v1Version = z.object({ controller: z.string(), kubeMode: z.string() });
