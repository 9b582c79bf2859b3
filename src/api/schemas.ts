/**
 * The zod schemas of the HTTP API: they validate every request and are the source of `/openapi.json`.
 * Objects are strict, so a misspelt field is a 400 that names it rather than a silently ignored setting.
 *
 * @module
 */

import { z } from 'zod';
import { HICLAW_STATUSES, PHASES } from '../lifecycle';
import { WORKER_NAME_PATTERN } from '../names';
import { scheduleInput, scheduleView } from './schedule-input';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Label keys: lowercase, dots/dashes/slashes; our own `orchestrator.` namespace is reserved. */
const LABEL_KEY = /^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$/;
const EXTRA_HOST = /^[A-Za-z0-9.-]{1,253}:[0-9A-Fa-f:.]{2,45}$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/;

export const workerName = z
  .string()
  .regex(WORKER_NAME_PATTERN, 'must be 1-63 of a-z, 0-9 and -, starting with a letter')
  .meta({ description: 'A worker name: 1-63 of a-z, 0-9 and -, starting with a letter', example: 'alice' });
const teamName = workerName.meta({
  description: 'A team name (the same rule as worker names)',
  example: 'research',
});

// NUL cannot be passed to a process environment; engines refuse it and quote the value back in their errors.
const envValue = z
  .string()
  .max(32 * 1024)
  .refine((value) => !value.includes('\u0000'), 'env values cannot contain NUL characters');
const env = z
  .record(
    z.string().regex(ENV_NAME, 'env names are letters, digits and _ (not starting with a digit)'),
    envValue,
  )
  .refine((value) => Object.keys(value).length <= 256, 'at most 256 env variables');

const labelKey = z
  .string()
  .regex(LABEL_KEY, 'label keys are lowercase letters, digits, . _ / - (max 63)')
  .refine(
    (key) => !key.startsWith('orchestrator.') && !key.startsWith('hiclaw.'),
    'the orchestrator. prefix is reserved',
  );
const labels = z
  .record(labelKey, z.string().max(256))
  .refine((value) => Object.keys(value).length <= 64, 'at most 64 labels');

const resources = z
  .strictObject({
    cpu_millicores: z
      .int()
      .min(100)
      .max(32_000)
      .optional()
      .meta({ description: 'CPU in thousandths of a core', example: 1000 }),
    memory_mb: z.int().min(128).max(131_072).optional().meta({ description: 'Memory in MiB', example: 2048 }),
  })
  .meta({
    id: 'Resources',
    description: 'What the worker may use; the backend’s defaults where unset',
    example: { cpu_millicores: 1000, memory_mb: 2048 },
  });

const MAX_TTL_SECONDS = 365 * 24 * 3600;
const policyFields = {
  idle_timeout_seconds: z
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .optional()
    .meta({ description: 'Put to sleep after this long without activity; 0 never', example: 3600 }),
  ttl_seconds: z
    .int()
    .min(60)
    .max(MAX_TTL_SECONDS)
    .optional()
    .meta({ description: 'Delete this long after creation (sets `expires_at`)', example: 86_400 }),
  deletion_protection: z
    .boolean()
    .optional()
    .meta({ description: 'Refuse DELETE unless `?force=true`', example: false }),
};

const imageRef = (description: string) =>
  z
    .string()
    .regex(IMAGE, 'not a valid image reference')
    .meta({ description, example: 'ghcr.io/acme/agent:1.4' });
const network = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
  .meta({ description: 'The Docker network to join (Docker backend)', example: 'hiclaw-net' });
const extraHosts = z
  .array(z.string().regex(EXTRA_HOST, 'extra_hosts entries are host:ip'))
  .max(32)
  .meta({
    description: 'Extra `/etc/hosts` lines, `host:ip` (Docker backend)',
    example: ['matrix.local:10.0.0.5'],
  });
const workingDir = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]{0,255}$/, 'must be an absolute path')
  .meta({ description: 'The working directory inside the container', example: '/home/agent' });

export const createWorkerBody = z
  .strictObject({
    name: workerName,
    image: imageRef('The worker image; the configured default when unset').optional(),
    runtime: z
      .enum(['openclaw', 'copaw', ''])
      .optional()
      .meta({ description: 'The agent runtime the image runs (HiClaw’s word)', example: 'openclaw' }),
    env: env.optional().meta({
      description: 'Environment variables; stored as secrets, only their names are shown back',
      example: { LOG_LEVEL: 'info' },
    }),
    network: network.optional(),
    extra_hosts: extraHosts.optional(),
    working_dir: workingDir.optional(),
    backend: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .optional()
      .meta({
        description: 'Which configured backend runs it; the default backend when unset',
        example: 'docker',
      }),
    labels: labels
      .optional()
      .meta({ description: 'Your labels, for `GET /workers?label=k=v`', example: { app: 'demo' } }),
    team: teamName
      .optional()
      .meta({ description: 'The team the worker belongs to (a team key sets its own)', example: 'research' }),
    resources: resources.optional(),
    ...policyFields,
    expires_at: z.iso.datetime({ offset: true }).optional().meta({
      description: 'Delete at this time (ISO-8601); or give `ttl_seconds`',
      example: '2027-01-31T18:00:00Z',
    }),
    schedule: scheduleInput.optional(),
  })
  .meta({
    id: 'CreateWorkerInput',
    description: 'A new worker. Only `name` is required; unknown fields are a 400 naming them.',
    example: { name: 'alice', labels: { app: 'demo' }, idle_timeout_seconds: 3600 },
  });

export const updateWorkerBody = z
  .strictObject({
    image: imageRef('A new image: rolls an awake worker').optional(),
    env: z
      .record(z.string().regex(ENV_NAME, 'env names are letters, digits and _'), envValue.nullable())
      .refine((value) => Object.keys(value).length <= 256, 'at most 256 env variables')
      .optional()
      .meta({
        description: 'A merge patch of the environment: a value sets, `null` removes; rolls an awake worker',
        example: { LOG_LEVEL: 'debug', OLD: null },
      }),
    network: network.nullable().optional(),
    extra_hosts: extraHosts.nullable().optional(),
    working_dir: workingDir.nullable().optional(),
    resources: resources
      .nullable()
      .optional()
      .meta({
        description: 'New resources (rolls an awake worker); `null` for the backend’s defaults',
        example: { memory_mb: 4096 },
      }),
    labels: z
      .record(labelKey, z.string().max(256).nullable())
      .optional()
      .meta({
        description: 'A merge patch of the labels: a value sets, `null` removes',
        example: { tier: 'web' },
      }),
    ...policyFields,
    expires_at: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .meta({ description: 'A new deletion time; `null` clears it', example: '2027-01-31T18:00:00Z' }),
    schedule: scheduleInput
      .nullable()
      .optional()
      .meta({
        description: 'A new schedule, counted from now (replaces the old one whole); `null` removes it',
        example: { sleep: '0 19 * * 1-5', time_zone: 'Europe/Berlin' },
      }),
  })
  .meta({
    id: 'UpdateWorkerInput',
    description:
      'Image, env, network, hosts, working dir and resources roll an awake worker (202); labels and policies do not (200). `null` clears a field.',
    example: { image: 'ghcr.io/acme/agent:1.5', labels: { tier: 'web' } },
  });

export const reportBody = z
  .strictObject({
    busy: z
      .boolean()
      .optional()
      .meta({ description: 'The worker is busy: holds off idle sleep', example: false }),
    instance_id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional()
      .meta({
        description: 'This boot’s instance id: a report from an older instance is refused',
        example: 'c0ffee12',
      }),
  })
  .meta({
    id: 'ReadinessReport',
    description: 'A worker’s readiness report or heartbeat',
    example: { busy: true },
  });

export const activityBody = z
  .strictObject({
    lease_seconds: z
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .meta({ description: 'Hold off sleep for this long, whatever the idle clock says', example: 1800 }),
  })
  .meta({
    id: 'ActivityInput',
    description: 'Work was assigned to the worker',
    example: { lease_seconds: 1800 },
  });

const boolFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const flag = (description: string) => boolFlag.optional().meta({ description, example: 'true' });
const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .meta({ description: 'At most this many per page (1-1000)', example: 100 });
const cursor = z
  .string()
  .max(512)
  .optional()
  .meta({ description: 'The `next_cursor` of the previous page', example: 'eyJhZnRlciI6ImFsaWNlIn0' });

export const listQuery = z.strictObject({
  label: z
    .array(z.string().regex(/^[^=]{1,63}=.{0,256}$/, 'label filters are key=value'))
    .optional()
    .meta({
      description: 'Only workers with this label, `key=value`; repeat to require several',
      example: ['app=demo'],
    }),
  status: z
    .enum(HICLAW_STATUSES)
    .optional()
    .meta({ description: 'Only workers with this status', example: 'ready' }),
  phase: z.enum(PHASES).optional().meta({ description: 'Only workers in this phase', example: 'sleeping' }),
  team: teamName.optional().meta({ description: 'Only this team’s workers', example: 'research' }),
  limit,
  cursor,
  sort: z
    .enum(['name', 'last_activity_at', '-last_activity_at'])
    .optional()
    .meta({ description: 'The order; by name unless said', example: '-last_activity_at' }),
});

export const getQuery = z.strictObject({
  refresh: flag('Ask the backend for the current state (at most once per 10 s per worker)'),
});
export const deleteQuery = z.strictObject({ force: flag('Delete despite `deletion_protection`') });
export const activityQuery = z.strictObject({
  wake: flag('Wake the worker if it is asleep, rather than a 409'),
});
export const ensureReadyQuery = z.strictObject({
  timeout_seconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .meta({ description: 'Wait at most this long (capped at 20 s per request)', example: 20 }),
});
export const eventsQuery = z.strictObject({ limit, cursor });
export const logsQuery = z.strictObject({
  tail: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: 'How many of the last lines (default 100)', example: 200 }),
});
export const emptyQuery = z.strictObject({});

// --- responses (documentation) ---------------------------------------------------------------------------

export const errorResponse = z
  .object({
    message: z.string().meta({
      description: 'What went wrong, for a person',
      example: 'name: must be 1-63 of a-z, 0-9 and -, starting with a letter',
    }),
    code: z.string().meta({ description: 'What went wrong, for a program', example: 'invalid_request' }),
    field: z
      .string()
      .optional()
      .meta({ description: 'The input field at fault (bad input only)', example: 'name' }),
  })
  .meta({
    id: 'Error',
    description: 'Every error answer',
    example: { message: 'name is required', code: 'invalid_request', field: 'name' },
  });

export const notFoundWorkerResponse = z
  .object({
    message: z.string().meta({ description: 'What went wrong', example: 'worker bob not found' }),
    code: z.string().meta({ description: 'Always `not_found`', example: 'not_found' }),
    name: z.string().meta({ description: 'The worker asked for', example: 'bob' }),
    status: z
      .literal('not_found')
      .meta({ description: 'For scripts that read `.status` whatever the code', example: 'not_found' }),
  })
  .meta({
    id: 'WorkerNotFound',
    description: 'A 404 for a worker: `status` reads `not_found`, as HiClaw’s scripts expect',
    example: { message: 'worker bob not found', code: 'not_found', name: 'bob', status: 'not_found' },
  });

const isoTime = (description: string) =>
  z.string().meta({ description: `${description} (ISO-8601, UTC)`, example: '2026-12-06T11:00:00.000Z' });
const transitionSchema = z
  .object({
    at: isoTime('When'),
    from: z.string().meta({ description: 'The phase before', example: 'starting' }),
    to: z.string().meta({ description: 'The phase after', example: 'ready' }),
    reason: z.string().meta({ description: 'Why', example: 'reported_ready' }),
    actor: z.string().meta({
      description: 'Who caused it: `manager`, `team:<name>`, `worker`, `sweeper`, `driver`',
      example: 'driver',
    }),
    message: z
      .string()
      .optional()
      .meta({ description: 'Details, when there are any', example: 'container started' }),
  })
  .meta({
    id: 'Transition',
    description: 'A change of phase',
    example: {
      at: '2026-12-06T11:00:00.000Z',
      from: 'starting',
      to: 'ready',
      reason: 'reported_ready',
      actor: 'worker',
    },
  });

const WORKER_EXAMPLE = {
  name: 'alice',
  backend: 'docker',
  deployment_mode: 'local',
  status: 'ready',
  container_id: '3f2a9c1d7e',
  app_id: null,
  raw_status: 'running',
  console_host_port: null,
  uid: '0f8c2b4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
  phase: 'ready',
  desired: 'running',
  generation: 1,
  observed_generation: 1,
  image: 'ghcr.io/acme/agent:1.4',
  runtime: 'openclaw',
  env_names: ['LOG_LEVEL'],
  labels: { app: 'demo' },
  team: null,
  created_at: '2026-12-06T10:58:00.000Z',
  ready_at: '2026-12-06T11:00:00.000Z',
  last_heartbeat_at: '2026-12-06T11:04:00.000Z',
  last_activity_at: '2026-12-06T11:00:00.000Z',
  idle_timeout_seconds: 43_200,
  expires_at: null,
  deletion_protection: false,
  next_action: { kind: 'sleep', at: '2026-12-06T23:00:00.000Z' },
  reason: 'reported_ready',
  last_transition: {
    at: '2026-12-06T11:00:00.000Z',
    from: 'starting',
    to: 'ready',
    reason: 'reported_ready',
    actor: 'worker',
  },
  last_error: null,
  attempts: 0,
  observed_at: '2026-12-06T11:04:00.000Z',
};

export const workerResponse = z
  .object({
    name: z.string().meta({ description: 'The worker name', example: 'alice' }),
    backend: z.string().meta({ description: 'The backend that runs it', example: 'docker' }),
    deployment_mode: z
      .enum(['local', 'cloud'])
      .meta({ description: '`local` for Docker, `cloud` for SAE and ECS', example: 'local' }),
    status: z
      .enum(HICLAW_STATUSES)
      .meta({ description: 'HiClaw’s status word (what its scripts read)', example: 'ready' }),
    container_id: z
      .string()
      .nullable()
      .meta({ description: 'The container id (Docker), while there is one', example: '3f2a9c1d7e' }),
    app_id: z
      .string()
      .nullable()
      .meta({ description: 'The application id (SAE) or task ARN (ECS), while there is one', example: null }),
    raw_status: z.string().nullable().meta({
      description: 'The backend’s own word for the resource’s state, as last observed',
      example: 'running',
    }),
    console_host_port: z
      .number()
      .nullable()
      .meta({ description: 'The host port of the worker’s console (Docker), if published', example: null }),
    uid: z.string().meta({
      description: 'Unique to this incarnation: a re-created worker of the same name has another',
      example: '0f8c2b4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
    }),
    phase: z.enum(PHASES).meta({ description: 'The precise lifecycle phase', example: 'ready' }),
    desired: z
      .enum(['running', 'sleeping', 'deleted'])
      .meta({ description: 'What was last asked for', example: 'running' }),
    generation: z.number().meta({ description: 'Counts changes to the spec', example: 1 }),
    observed_generation: z
      .number()
      .meta({ description: 'The generation the running resource was made from', example: 1 }),
    image: z.string().meta({ description: 'The worker image', example: 'ghcr.io/acme/agent:1.4' }),
    runtime: z.string().meta({ description: 'The agent runtime', example: 'openclaw' }),
    env_names: z.array(z.string()).meta({
      description: 'The names of its environment variables (never the values)',
      example: ['LOG_LEVEL'],
    }),
    labels: z.record(z.string(), z.string()).meta({ description: 'Its labels', example: { app: 'demo' } }),
    team: z.string().nullable().meta({ description: 'Its team, if any', example: null }),
    created_at: isoTime('Created'),
    ready_at: isoTime('Last became ready').nullable(),
    last_heartbeat_at: isoTime('The last report of the current boot').nullable(),
    last_activity_at: isoTime('The last activity (work assigned, a wake, a busy heartbeat)').nullable(),
    idle_timeout_seconds: z
      .number()
      .meta({ description: 'Put to sleep after this long idle; 0 never', example: 43_200 }),
    expires_at: isoTime('Deleted at').nullable(),
    deletion_protection: z.boolean().meta({ description: 'DELETE needs `?force=true`', example: false }),
    next_action: z
      .object({
        kind: z.string().meta({
          description:
            'What happens next unless something changes: `sleep`, `wake` (its schedule), `delete`, `fail_if_stuck`, …',
          example: 'sleep',
        }),
        at: isoTime('When'),
      })
      .nullable()
      .meta({
        description: 'The next thing the sweeper will do to it, and when',
        example: { kind: 'sleep', at: '2026-12-06T23:00:00.000Z' },
      }),
    reason: z.string().meta({ description: 'Why it is in this phase', example: 'reported_ready' }),
    last_transition: transitionSchema,
    last_error: z
      .string()
      .nullable()
      .meta({ description: 'The last backend error, until the next success', example: null }),
    attempts: z.number().meta({ description: 'Failed attempts at the current operation', example: 0 }),
    observed_at: isoTime('When the backend’s state was last observed').nullable(),
    schedule: scheduleView.optional(),
    api_key: z.string().optional().meta({
      description: 'The worker’s key: only in the answer that minted it, never again',
      example: 'wok_alice_…',
    }),
  })
  .meta({ id: 'Worker', description: 'A worker as the API shows it', example: WORKER_EXAMPLE });

export const workerListResponse = z
  .object({
    workers: z.array(workerResponse).meta({ description: 'This page of workers', example: [WORKER_EXAMPLE] }),
    next_cursor: z.string().optional().meta({
      description: 'Pass as `cursor` for the next page. Absent only on the last page; pages may be short',
      example: 'eyJhZnRlciI6ImFsaWNlIn0',
    }),
  })
  .meta({ id: 'WorkerList', description: 'A page of workers', example: { workers: [WORKER_EXAMPLE] } });

const EVENT_EXAMPLE = {
  at: '2026-12-06T11:00:00.000Z',
  name: 'alice',
  uid: '0f8c2b4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
  seq: 3,
  from: 'starting',
  to: 'ready',
  reason: 'reported_ready',
  actor: 'worker',
  generation: 1,
};
export const eventResponse = z
  .object({
    at: isoTime('When'),
    name: z.string().meta({ description: 'The worker', example: 'alice' }),
    uid: z
      .string()
      .meta({ description: 'The worker’s incarnation', example: '0f8c2b4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f' }),
    seq: z.number().meta({ description: 'Its order among this incarnation’s events', example: 3 }),
    from: z.string().meta({ description: 'The phase before', example: 'starting' }),
    to: z.string().meta({ description: 'The phase after', example: 'ready' }),
    reason: z.string().meta({ description: 'Why', example: 'reported_ready' }),
    actor: z.string().meta({ description: 'Who caused it', example: 'worker' }),
    generation: z.number().meta({ description: 'The spec generation at the time', example: 1 }),
    message: z
      .string()
      .optional()
      .meta({ description: 'Details, when there are any', example: 'container started' }),
  })
  .meta({ id: 'WorkerEvent', description: 'One transition of a worker', example: EVENT_EXAMPLE });

export const eventListResponse = z
  .object({
    events: z.array(eventResponse).meta({ description: 'This page, newest first', example: [EVENT_EXAMPLE] }),
    next_cursor: z.string().optional().meta({
      description: 'Pass as `cursor` for the next page; absent on the last',
      example: 'eyJzZXEiOjJ9',
    }),
  })
  .meta({
    id: 'WorkerEventList',
    description: 'A page of a worker’s events',
    example: { events: [EVENT_EXAMPLE] },
  });

const probe = (what: string) => ({
  name: z.string().meta({ description: `The ${what}`, example: what === 'backend' ? 'docker' : 's3' }),
  ok: z.boolean().meta({ description: 'Whether it answers', example: true }),
  message: z
    .string()
    .meta({ description: 'What it said (details for a manager key only)', example: 'reachable' }),
});
export const healthResponse = z
  .object({
    ok: z
      .boolean()
      .meta({ description: 'Whether the orchestrator can serve (its store answers)', example: true }),
    version: z.string().meta({ description: 'The orchestrator’s version', example: '0.1.0' }),
    store: z
      .object({ kind: probe('store').name, ok: probe('store').ok, message: probe('store').message })
      .meta({ description: 'The state store', example: { kind: 's3', ok: true, message: 'reachable' } }),
    backends: z.array(z.object(probe('backend'))).meta({
      description: 'Each configured backend (checked at most every 30 s)',
      example: [{ name: 'docker', ok: true, message: 'available' }],
    }),
    auth: z.enum(['keys', 'off']).meta({ description: 'Whether keys are required', example: 'keys' }),
    clock_skew_ms: z
      .number()
      .nullable()
      .meta({ description: 'This function’s clock minus the store’s (manager key only)', example: 12 }),
    deployment_id: z
      .string()
      .nullable()
      .meta({ description: 'This deployment’s id (in every resource name it makes)', example: 'd4e5f6a7' }),
  })
  .meta({
    id: 'Health',
    description: 'Health of the orchestrator and what it depends on',
    example: {
      ok: true,
      version: '0.1.0',
      store: { kind: 's3', ok: true, message: 'reachable' },
      backends: [{ name: 'docker', ok: true, message: 'available' }],
      auth: 'keys',
      clock_skew_ms: 12,
      deployment_id: 'd4e5f6a7',
    },
  });

const STS_EXAMPLE = {
  access_key_id: 'STS.NTxxxxxxxx',
  access_key_secret: '…',
  security_token: '…',
  expiration: '2026-12-06T12:00:00.000Z',
  expires_in_sec: 3600,
  oss_endpoint: 'oss-cn-hangzhou.aliyuncs.com',
  oss_bucket: 'hiclaw-storage',
  provider: 'aliyun',
  endpoint: 'oss-cn-hangzhou.aliyuncs.com',
  bucket: 'hiclaw-storage',
  prefixes: ['agents/alice/', 'shared/'],
};
export const stsTokenResponse = z
  .object({
    access_key_id: z.string().meta({ description: 'The temporary access key id', example: 'STS.NTxxxxxxxx' }),
    access_key_secret: z.string().meta({ description: 'The temporary secret', example: '…' }),
    security_token: z.string().meta({ description: 'The session token to send with them', example: '…' }),
    expiration: isoTime('When they stop working'),
    expires_in_sec: z.number().meta({ description: 'Seconds until then', example: 3600 }),
    oss_endpoint: z.string().meta({
      description: 'The storage endpoint (HiClaw’s field name)',
      example: 'oss-cn-hangzhou.aliyuncs.com',
    }),
    oss_bucket: z
      .string()
      .meta({ description: 'The bucket (HiClaw’s field name)', example: 'hiclaw-storage' }),
    provider: z.enum(['aliyun', 'aws']).meta({ description: 'Whose STS issued them', example: 'aliyun' }),
    endpoint: z
      .string()
      .meta({ description: 'The storage endpoint', example: 'oss-cn-hangzhou.aliyuncs.com' }),
    bucket: z.string().meta({ description: 'The bucket', example: 'hiclaw-storage' }),
    prefixes: z
      .array(z.string())
      .meta({ description: 'The key prefixes they reach', example: ['agents/alice/', 'shared/'] }),
  })
  .meta({
    id: 'StsCredentials',
    description: 'Short-lived storage credentials for one worker',
    example: STS_EXAMPLE,
  });

export const rootResponse = z
  .object({
    message: z.string().meta({ description: 'Where to start', example: 'The API reference is at /docs.' }),
    docs: z.string().meta({ description: 'The API reference page', example: '/docs' }),
    openapi: z.string().meta({ description: 'The OpenAPI document', example: '/openapi.json' }),
    health: z.string().meta({ description: 'The health check', example: '/healthz' }),
  })
  .meta({
    id: 'Root',
    description: 'Links for a client that lands on `/`',
    example: {
      message: 'The API reference is at /docs.',
      docs: '/docs',
      openapi: '/openapi.json',
      health: '/healthz',
    },
  });
