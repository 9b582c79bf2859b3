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

const mcpServer = z
  .strictObject({
    name: text(128).meta({ description: 'The server’s name', example: 'github' }),
    url: text(2048).meta({ description: 'Where it answers', example: 'http://mcp.local/github' }),
    transport: text(32).optional().meta({ description: 'How to reach it', example: 'http' }),
  })
  .meta({
    description: 'An MCP server the agent may use',
    example: { name: 'github', url: 'http://mcp.local/github' },
  });
const exposePort = z
  .strictObject({
    port: z.int().min(1).max(65_535).meta({ description: 'A container port', example: 8080 }),
    protocol: text(16).optional().meta({ description: 'Its protocol', example: 'http' }),
  })
  .meta({ description: 'A port the agent exposes', example: { port: 8080 } });
const nameList = (description: string) =>
  z
    .array(text(256))
    .max(256)
    .meta({ description, example: ['@bob:matrix.local'] });
const channelPolicy = z
  .strictObject({
    groupAllowExtra: nameList('Extra group senders allowed').optional(),
    groupDenyExtra: nameList('Group senders refused').optional(),
    dmAllowExtra: nameList('Extra direct-message senders allowed').optional(),
    dmDenyExtra: nameList('Direct-message senders refused').optional(),
  })
  .meta({
    description: 'Who may talk to the agent, beyond HiClaw’s defaults',
    example: { dmAllowExtra: ['@bob:matrix.local'] },
  });

const doc = (description: string) =>
  text(DOC)
    .optional()
    .meta({ description: `${description} (stored and handed to the worker, not read here)`, example: '# …' });

/** The agent fields: what the worker's agent is, as opposed to where and whether it runs. */
export const agentFields = {
  workerName: text(253).optional().meta({ description: 'The agent’s display name', example: 'Alice' }),
  model: text(256).optional().meta({ description: 'The model the agent uses', example: 'qwen-max' }),
  identity: doc('The agent’s identity document'),
  soul: doc('The agent’s soul document'),
  agents: doc('The agent’s AGENTS.md'),
  skills: z
    .array(text(256))
    .max(256)
    .optional()
    .meta({ description: 'Skills to install', example: ['web-search'] }),
  mcpServers: z
    .array(mcpServer)
    .max(64)
    .optional()
    .meta({
      description: 'MCP servers the agent may use',
      example: [{ name: 'github', url: 'http://mcp.local/github' }],
    }),
  package: text(2048)
    .optional()
    .meta({ description: 'A package to install at boot', example: 'oss://hiclaw/packages/alice.tgz' }),
  expose: z
    .array(exposePort)
    .max(32)
    .optional()
    .meta({ description: 'Ports the agent exposes', example: [{ port: 8080 }] }),
  channelPolicy: channelPolicy.optional(),
};
export const AGENT_FIELD_NAMES = Object.keys(agentFields) as (keyof typeof agentFields)[];

const placement = {
  runtime: z
    .enum(['openclaw', 'copaw', 'hermes'])
    .optional()
    .meta({ description: 'The agent runtime (fixed at create)', example: 'openclaw' }),
  image: z.string().regex(IMAGE, 'not a valid image reference').optional().meta({
    description: 'The worker image; the configured default when unset',
    example: 'ghcr.io/acme/agent:1.4',
  }),
  containerManaged: z.boolean().optional().meta({
    description: '`false`: record a worker whose resource is never touched here (fixed at create)',
    example: true,
  }),
  state: z
    .enum(DECLARED_STATES)
    .optional()
    .meta({ description: 'The declared state: Running, Sleeping or Stopped', example: 'Running' }),
};

export const v1CreateBody = z
  .strictObject({
    name: z
      .string()
      .regex(WORKER_NAME_PATTERN, 'must be 1-63 of a-z, 0-9 and -, starting with a letter')
      .meta({ description: 'The worker name', example: 'alice' }),
    ...agentFields,
    ...placement,
  })
  .meta({
    id: 'V1CreateWorker',
    description: 'A new worker, in hiclaw-controller’s words',
    example: { name: 'alice', model: 'qwen-max' },
  });
export const v1UpdateBody = z.strictObject({ ...agentFields, ...placement }).meta({
  id: 'V1UpdateWorker',
  description: 'A merge update: non-empty strings overwrite, lists present replace',
  example: { state: 'Sleeping' },
});
export type V1CreateBody = z.output<typeof v1CreateBody>;
export type V1UpdateBody = z.output<typeof v1UpdateBody>;

/** Fields HiClaw reserves for team management; setting them on a worker is a 400, as HiClaw answers. */
export const RESERVED_TEAM_FIELDS = ['team', 'role', 'teamLeader'] as const;
/** The older contract's create fields HiClaw's controller accepts and drops; we drop them too, so its scripts work. */
export const IGNORED_LEGACY_FIELDS = ['env', 'network', 'extra_hosts', 'working_dir', 'backend'] as const;

export const v1EnsureReadyQuery = z.strictObject({
  timeout_seconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .meta({ description: 'Wait at most this long (capped per request)', example: 20 }),
});
export const v1ListQuery = z.strictObject({
  team: z
    .string()
    .regex(WORKER_NAME_PATTERN, 'not a team name')
    .optional()
    .meta({ description: 'Only this team’s workers', example: 'research' }),
});
export const v1EmptyQuery = z.strictObject({});

// --- responses (documentation) ---------------------------------------------------------------------------

export const v1Error = z
  .object({
    message: z
      .string()
      .meta({ description: 'What went wrong, as HiClaw words it', example: 'get worker: not found' }),
  })
  .meta({
    id: 'V1Error',
    description: 'An error, in hiclaw-controller’s shape',
    example: { message: 'get worker: not found' },
  });

const phaseWord = z.enum(PHASE_WORDS).meta({ description: 'HiClaw’s phase word', example: 'Ready' });
const V1_WORKER_EXAMPLE = {
  name: 'alice',
  phase: 'Ready',
  state: 'Running',
  containerManaged: true,
  model: 'qwen-max',
  runtime: 'openclaw',
  image: 'ghcr.io/acme/agent:1.4',
  containerState: 'running',
};
export const v1WorkerResponse = z
  .object({
    name: z.string().meta({ description: 'The worker name', example: 'alice' }),
    phase: phaseWord,
    state: z.enum(DECLARED_STATES).meta({ description: 'The declared state', example: 'Running' }),
    containerManaged: z
      .boolean()
      .optional()
      .meta({ description: 'Omitted when false, as HiClaw does', example: true }),
    model: z.string().optional().meta({ description: 'The model the agent uses', example: 'qwen-max' }),
    runtime: z.string().optional().meta({ description: 'The agent runtime', example: 'openclaw' }),
    image: z.string().meta({ description: 'The worker image', example: 'ghcr.io/acme/agent:1.4' }),
    containerState: z
      .enum(['running', 'starting', 'stopped', 'not_found', 'unknown'])
      .meta({ description: 'The backend’s state as last observed', example: 'running' }),
    message: z.string().optional().meta({
      description: 'The last error, or the backend’s state on `/status`',
      example: 'backend=docker status=running',
    }),
    team: z.string().optional().meta({ description: 'Its team, if any', example: 'research' }),
    role: z.string().optional().meta({ description: 'Its role in the team', example: 'worker' }),
    ...Object.fromEntries(AGENT_FIELD_NAMES.filter((n) => n !== 'model').map((n) => [n, agentFields[n]])),
  })
  .meta({
    id: 'V1Worker',
    description: 'A worker, as hiclaw-controller shows it (WorkerResponse)',
    example: V1_WORKER_EXAMPLE,
  });
export const v1WorkerList = z
  .object({
    workers: z
      .array(v1WorkerResponse)
      .meta({ description: 'Every worker the key may see', example: [V1_WORKER_EXAMPLE] }),
    total: z.number().meta({ description: 'How many', example: 1 }),
  })
  .meta({
    id: 'V1WorkerList',
    description: 'All workers (no paging, as HiClaw)',
    example: { workers: [V1_WORKER_EXAMPLE], total: 1 },
  });
export const v1Lifecycle = z
  .object({ name: z.string().meta({ description: 'The worker name', example: 'alice' }), phase: phaseWord })
  .meta({
    id: 'V1Lifecycle',
    description: 'WorkerLifecycleResponse: the worker’s phase after the call',
    example: { name: 'alice', phase: 'Sleeping' },
  });

const V1_TEAM_EXAMPLE = {
  name: 'research',
  teamName: 'research',
  phase: 'Active',
  totalWorkers: 2,
  readyWorkers: 1,
  workerNames: ['alice', 'bob'],
};
export const v1Team = z
  .object({
    name: z.string().meta({ description: 'The team name', example: 'research' }),
    teamName: z.string().meta({ description: 'The same, as HiClaw also sends it', example: 'research' }),
    phase: z.enum(['Active']).meta({ description: 'Always Active here', example: 'Active' }),
    totalWorkers: z.number().meta({ description: 'Its workers', example: 2 }),
    readyWorkers: z.number().meta({ description: 'Of those, ready', example: 1 }),
    workerNames: z.array(z.string()).meta({ description: 'Their names', example: ['alice', 'bob'] }),
  })
  .meta({ id: 'V1Team', description: 'A team, as hiclaw-controller shows it', example: V1_TEAM_EXAMPLE });
export const v1TeamList = z
  .object({
    teams: z.array(v1Team).meta({ description: 'The teams the key may see', example: [V1_TEAM_EXAMPLE] }),
    total: z.number().meta({ description: 'How many', example: 1 }),
  })
  .meta({ id: 'V1TeamList', description: 'Teams', example: { teams: [V1_TEAM_EXAMPLE], total: 1 } });
export const v1Status = z
  .object({
    kubeMode: z
      .string()
      .meta({ description: 'HiClaw’s deployment word; here always `none`', example: 'none' }),
    totalWorkers: z.number().meta({ description: 'Workers', example: 3 }),
    totalTeams: z.number().meta({ description: 'Teams', example: 1 }),
    totalHumans: z.number().meta({ description: 'Humans (none are managed here)', example: 0 }),
  })
  .meta({
    id: 'V1Status',
    description: 'Cluster counts',
    example: { kubeMode: 'none', totalWorkers: 3, totalTeams: 1, totalHumans: 0 },
  });
export const v1Version = z
  .object({
    controller: z.string().meta({ description: 'The controller’s version', example: '0.1.0' }),
    kubeMode: z.string().meta({ description: 'HiClaw’s deployment word', example: 'none' }),
  })
  .meta({ id: 'V1Version', description: 'Version', example: { controller: '0.1.0', kubeMode: 'none' } });
