/**
 * The zod schemas of the HTTP API: they validate every request and are the source of `/openapi.json`.
 * Objects are strict, so a misspelt field is a 400 that names it rather than a silently ignored setting.
 *
 * @module
 */

import { z } from 'zod';
import { HICLAW_STATUSES, PHASES } from '../lifecycle';
import { WORKER_NAME_PATTERN } from '../names';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Label keys: lowercase, dots/dashes/slashes; our own `orchestrator.` namespace is reserved. */
const LABEL_KEY = /^[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?$/;
const EXTRA_HOST = /^[A-Za-z0-9.-]{1,253}:[0-9A-Fa-f:.]{2,45}$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/;

export const workerName = z
  .string()
  .regex(WORKER_NAME_PATTERN, 'must be 1-63 of a-z, 0-9 and -, starting with a letter');
const teamName = workerName;

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

const resources = z.strictObject({
  cpu_millicores: z.int().min(100).max(32_000).optional(),
  memory_mb: z.int().min(128).max(131_072).optional(),
});

const MAX_TTL_SECONDS = 365 * 24 * 3600;
const policyFields = {
  idle_timeout_seconds: z
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .optional(),
  ttl_seconds: z.int().min(60).max(MAX_TTL_SECONDS).optional(),
  deletion_protection: z.boolean().optional(),
};

export const createWorkerBody = z.strictObject({
  name: workerName,
  image: z.string().regex(IMAGE, 'not a valid image reference').optional(),
  runtime: z.enum(['openclaw', 'copaw', '']).optional(),
  env: env.optional(),
  network: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
    .optional(),
  extra_hosts: z.array(z.string().regex(EXTRA_HOST, 'extra_hosts entries are host:ip')).max(32).optional(),
  working_dir: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]{0,255}$/, 'must be an absolute path')
    .optional(),
  backend: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/)
    .optional(),
  labels: labels.optional(),
  team: teamName.optional(),
  resources: resources.optional(),
  ...policyFields,
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

export const updateWorkerBody = z.strictObject({
  image: z.string().regex(IMAGE, 'not a valid image reference').optional(),
  env: z
    .record(z.string().regex(ENV_NAME, 'env names are letters, digits and _'), envValue.nullable())
    .refine((value) => Object.keys(value).length <= 256, 'at most 256 env variables')
    .optional(),
  network: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
    .nullable()
    .optional(),
  extra_hosts: z
    .array(z.string().regex(EXTRA_HOST, 'extra_hosts entries are host:ip'))
    .max(32)
    .nullable()
    .optional(),
  working_dir: z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]{0,255}$/)
    .nullable()
    .optional(),
  resources: resources.nullable().optional(),
  labels: z.record(labelKey, z.string().max(256).nullable()).optional(),
  ...policyFields,
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
});

export const reportBody = z.strictObject({
  busy: z.boolean().optional(),
  instance_id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
});

export const activityBody = z.strictObject({
  lease_seconds: z
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
});

const boolFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const listQuery = z.strictObject({
  label: z.array(z.string().regex(/^[^=]{1,63}=.{0,256}$/, 'label filters are key=value')).optional(),
  status: z.enum(HICLAW_STATUSES).optional(),
  phase: z.enum(PHASES).optional(),
  team: teamName.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(512).optional(),
  sort: z.enum(['name', 'last_activity_at', '-last_activity_at']).optional(),
});

export const getQuery = z.strictObject({ refresh: boolFlag.optional() });
export const deleteQuery = z.strictObject({ force: boolFlag.optional() });
export const activityQuery = z.strictObject({ wake: boolFlag.optional() });
export const ensureReadyQuery = z.strictObject({
  timeout_seconds: z.coerce.number().int().min(0).max(3600).optional(),
});
export const eventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(512).optional(),
});
export const logsQuery = z.strictObject({ tail: z.coerce.number().int().min(1).max(10_000).optional() });
export const emptyQuery = z.strictObject({});

// --- responses (documentation) ---------------------------------------------------------------------------

export const errorResponse = z.object({
  message: z.string(),
  code: z.string(),
  field: z.string().optional(),
});

export const notFoundWorkerResponse = errorResponse.extend({
  name: z.string(),
  status: z.literal('not_found'),
});

const isoTime = z.string().describe('ISO-8601 UTC');
const transitionSchema = z.object({
  at: isoTime,
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  actor: z.string(),
  message: z.string().optional(),
});

export const workerResponse = z.object({
  name: z.string(),
  backend: z.string(),
  deployment_mode: z.enum(['local', 'cloud']),
  status: z.enum(HICLAW_STATUSES),
  container_id: z.string().nullable(),
  app_id: z.string().nullable(),
  raw_status: z.string().nullable(),
  console_host_port: z.number().nullable(),
  uid: z.string(),
  phase: z.enum(PHASES),
  desired: z.enum(['running', 'sleeping', 'deleted']),
  generation: z.number(),
  observed_generation: z.number(),
  image: z.string(),
  runtime: z.string(),
  env_names: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  team: z.string().nullable(),
  created_at: isoTime,
  ready_at: isoTime.nullable(),
  last_heartbeat_at: isoTime.nullable(),
  last_activity_at: isoTime.nullable(),
  idle_timeout_seconds: z.number(),
  expires_at: isoTime.nullable(),
  deletion_protection: z.boolean(),
  next_action: z.object({ kind: z.string(), at: isoTime }).nullable(),
  reason: z.string(),
  last_transition: transitionSchema,
  last_error: z.string().nullable(),
  attempts: z.number(),
  observed_at: isoTime.nullable(),
  api_key: z.string().optional().describe('Only in the response that minted it'),
});

export const workerListResponse = z.object({
  workers: z.array(workerResponse),
  next_cursor: z.string().optional().describe('Absent only on the last page; pages may be short'),
});

export const eventResponse = z.object({
  at: isoTime,
  name: z.string(),
  uid: z.string(),
  seq: z.number(),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  actor: z.string(),
  generation: z.number(),
  message: z.string().optional(),
});

export const eventListResponse = z.object({
  events: z.array(eventResponse),
  next_cursor: z.string().optional(),
});

export const healthResponse = z.object({
  ok: z.boolean(),
  store: z.object({ kind: z.string(), ok: z.boolean(), message: z.string() }),
  backends: z.array(z.object({ name: z.string(), ok: z.boolean(), message: z.string() })),
  auth: z.enum(['keys', 'off']),
  clock_skew_ms: z.number().nullable(),
  deployment_id: z.string().nullable(),
});

export const stsTokenResponse = z.object({
  access_key_id: z.string(),
  access_key_secret: z.string(),
  security_token: z.string(),
  expiration: isoTime,
  expires_in_sec: z.number(),
  oss_endpoint: z.string(),
  oss_bucket: z.string(),
  provider: z.enum(['aliyun', 'aws']),
  endpoint: z.string(),
  bucket: z.string(),
  prefixes: z.array(z.string()),
});

export const rootResponse = z
  .object({
    message: z.string().meta({ description: 'Where to start', example: 'The API reference is at /docs.' }),
    docs: z.string().meta({ description: 'The API reference page', example: '/docs' }),
    openapi: z.string().meta({ description: 'The OpenAPI document', example: '/openapi.json' }),
    health: z.string().meta({ description: 'The health check', example: '/healthz' }),
  })
  .meta({ id: 'Root', description: 'Links for a client that lands on `/`' });
