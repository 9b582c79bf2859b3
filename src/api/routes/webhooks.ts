/**
 * Events out (manager key only): webhook endpoints, their signing secrets (shown once, when made or rotated) and
 * their dead letters. Self-contained: its schemas live here.
 *
 * @module
 */

import type { Context } from 'hono';
import { z } from 'zod';
import { NotFoundError, NotImplementedError } from '../../errors';
import {
  createEndpoint,
  deleteEndpoint,
  EVENT_TYPES,
  getEndpoint,
  listDeadLetters,
  listEndpoints,
  redeliver,
  rotateSecret,
  type Webhooks,
  type WorkerService,
} from '../../lifecycle';
import type { RouteTable } from '../route-table';
import { emptyQuery, errorResponse, workerName } from '../schemas';
import { readJsonBody, readQuery } from '../validate';

const ENDPOINT_ID = /^ep_[a-f0-9]{20}$/;
const EVENT_ID = /^evt_[A-Za-z0-9]{1,64}(?:_\d{1,9})?$/;

const EXAMPLE_ENDPOINT_ID = 'ep_0123456789abcdef0123';
const labelValue = z.string().max(63);
const webhookFilter = z
  .strictObject({
    labels: z
      .record(z.string().min(1).max(63), labelValue)
      .optional()
      .meta({ description: 'Only workers carrying all these labels', example: { pool: 'batch' } }),
    team: workerName.optional().meta({ description: 'Only workers of this team', example: 'research' }),
  })
  .meta({
    description: 'Which workers this endpoint hears about (unset: all)',
    example: { labels: { pool: 'batch' } },
  });
const createBody = z
  .strictObject({
    url: z.string().max(2048).meta({
      description:
        'Where events are POSTed: https (plain http to loopback in the emulator); no private addresses',
      example: 'https://manager.example.com/hooks/orchestrator',
    }),
    types: z
      .array(z.enum(EVENT_TYPES))
      .min(1)
      .max(EVENT_TYPES.length)
      .optional()
      .meta({
        description: 'Event types to send (default: all but `credentials.issued`)',
        example: ['worker.ready'],
      }),
    filter: webhookFilter.optional(),
    description: z
      .string()
      .max(200)
      .optional()
      .meta({ description: 'A note for people', example: 'manager' }),
  })
  .meta({
    id: 'CreateWebhookInput',
    description: 'A webhook endpoint to register',
    example: {
      url: 'https://manager.example.com/hooks/orchestrator',
      types: ['worker.ready', 'worker.slept'],
    },
  });
const redeliverBody = z
  .strictObject({
    event_id: z
      .string()
      .regex(EVENT_ID, 'not an event id')
      .meta({ description: "The dead letter's event id", example: 'evt_0f8c2b4e1d2a4c3b_3' }),
  })
  .meta({
    id: 'RedeliverInput',
    description: 'Which dead letter to send again',
    example: { event_id: 'evt_0f8c2b4e1d2a4c3b_3' },
  });

const endpointResponse = z
  .object({
    id: z.string().meta({ description: "The endpoint's id", example: EXAMPLE_ENDPOINT_ID }),
    url: z
      .string()
      .meta({ description: 'Where events are POSTed', example: 'https://manager.example.com/hooks' }),
    types: z.array(z.string()).meta({ description: 'The event types sent', example: ['worker.ready'] }),
    filter: z
      .object({
        labels: z
          .record(z.string(), z.string())
          .optional()
          .meta({ description: 'Labels a worker must carry', example: { pool: 'batch' } }),
        team: z
          .string()
          .optional()
          .meta({ description: 'The team a worker must belong to', example: 'research' }),
      })
      .optional()
      .meta({ description: 'Which workers this endpoint hears about', example: { team: 'research' } }),
    description: z.string().optional().meta({ description: 'A note for people', example: 'manager' }),
    created_at: z
      .string()
      .meta({ description: 'When it was registered', example: '2026-12-06T09:00:00.000Z' }),
  })
  .meta({
    id: 'WebhookEndpoint',
    description: 'A registered endpoint (never its secret)',
    example: {
      id: EXAMPLE_ENDPOINT_ID,
      url: 'https://manager.example.com/hooks',
      types: ['worker.ready'],
      created_at: '2026-12-06T09:00:00.000Z',
    },
  });
const createdResponse = endpointResponse
  .extend({
    secret: z.string().meta({
      description: 'The signing secret (`whsec_…`), shown this once',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .meta({
    id: 'CreatedWebhookEndpoint',
    description: 'The registered endpoint and its signing secret, shown this once',
    example: {
      id: EXAMPLE_ENDPOINT_ID,
      url: 'https://manager.example.com/hooks',
      types: ['worker.ready'],
      created_at: '2026-12-06T09:00:00.000Z',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    },
  });
const eventBody = z
  .object({
    id: z.string().meta({
      description: 'Stable across retries (the `webhook-id` header)',
      example: 'evt_0f8c2b4e1d2a4c3b_3',
    }),
    type: z.string().meta({ description: 'The event type', example: 'worker.slept' }),
    timestamp: z
      .string()
      .meta({ description: 'When the transition happened', example: '2026-12-06T09:00:00.000Z' }),
    data: z.record(z.string(), z.unknown()).meta({
      description: "The worker's name, uid, generation, phases and reason",
      example: { name: 'alice', reason: 'idle' },
    }),
  })
  .meta({
    id: 'WebhookEvent',
    description: 'An event as POSTed to an endpoint',
    example: {
      id: 'evt_0f8c2b4e1d2a4c3b_3',
      type: 'worker.slept',
      timestamp: '2026-12-06T09:00:00.000Z',
      data: { name: 'alice', reason: 'idle' },
    },
  });
const deadLettersQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^evt_[A-Za-z0-9_]{1,200}$/, 'cursor: must be a next_cursor this listing answered')
    .optional()
    .meta({ description: 'The `next_cursor` of the previous page', example: 'evt_0f8c_3' }),
});

const deadLetterResponse = z
  .object({
    event: eventBody,
    endpoint_id: z
      .string()
      .meta({ description: 'The endpoint that did not take it', example: EXAMPLE_ENDPOINT_ID }),
    attempts: z.number().meta({ description: 'How many times it was tried', example: 14 }),
    last_error: z.string().meta({ description: 'Why the last attempt failed', example: 'answered 503' }),
    dead_at: z.string().meta({
      description: 'When the orchestrator gave up (24 h after the first try)',
      example: '2026-12-07T09:00:00.000Z',
    }),
  })
  .meta({
    id: 'WebhookDeadLetter',
    description: 'An event given up on after 24 h of retries',
    example: {
      event: {
        id: 'evt_0f8c2b4e1d2a4c3b_3',
        type: 'worker.slept',
        timestamp: '2026-12-06T09:00:00.000Z',
        data: { name: 'alice' },
      },
      endpoint_id: EXAMPLE_ENDPOINT_ID,
      attempts: 14,
      last_error: 'answered 503',
      dead_at: '2026-12-07T09:00:00.000Z',
    },
  });

const errors = {
  401: { description: 'Missing or unknown key', schema: errorResponse },
  403: { description: 'Not a manager key', schema: errorResponse },
  501: { description: 'This function does not deliver events', schema: errorResponse },
};
const notFound = { 404: { description: 'No such endpoint', schema: errorResponse } };

function webhooksOf(service: WorkerService): Webhooks {
  const webhooks = service.ctx.webhooks;
  if (!webhooks) throw new NotImplementedError('webhooks are not served by this function');
  return webhooks;
}

/** A malformed id cannot name an endpoint: 404 before it reaches a store key. */
function endpointId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!ENDPOINT_ID.test(id)) throw new NotFoundError(`no webhook endpoint ${id.slice(0, 64)}`);
  return id;
}

export function registerWebhookRoutes(routes: RouteTable, service: WorkerService): void {
  const now = () => service.ctx.clock.now();
  routes.add(
    {
      method: 'post',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: 'Register a webhook endpoint',
      description:
        'Events are POSTed to `url` signed per the Standard Webhooks spec with the `secret` answered here, once. `types` defaults to every type but `credentials.issued`; `filter` limits the workers reported (all labels must match; team).',
      tag: 'webhooks',
      access: 'admin',
      body: createBody,
      responses: {
        201: { description: 'Registered; the secret is shown this once', schema: createdResponse },
        400: {
          description: 'Bad input (a URL that may not be called names the reason)',
          schema: errorResponse,
        },
        409: { description: 'Too many endpoints', schema: errorResponse },
        ...errors,
      },
    },
    async (c) => {
      const body = await readJsonBody(c, createBody);
      const { endpoint, secret } = await createEndpoint(webhooksOf(service), body, now());
      return c.json({ ...endpoint, secret }, 201);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: 'List webhook endpoints (never their secrets)',
      tag: 'webhooks',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: {
          description: 'The endpoints',
          schema: z.object({
            endpoints: z
              .array(endpointResponse)
              .meta({ description: 'Every registered endpoint', example: [] }),
          }),
        },
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json({ endpoints: await listEndpoints(webhooksOf(service)) }, 200);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/webhooks/{id}',
      operationId: 'getWebhook',
      summary: 'A webhook endpoint (never its secret)',
      tag: 'webhooks',
      access: 'admin',
      query: emptyQuery,
      responses: { 200: { description: 'The endpoint', schema: endpointResponse }, ...notFound, ...errors },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json(await getEndpoint(webhooksOf(service), endpointId(c)), 200);
    },
  );
  routes.add(
    {
      method: 'delete',
      path: '/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint (idempotent); events still owed to it are dropped',
      tag: 'webhooks',
      access: 'admin',
      query: emptyQuery,
      responses: { 204: { description: 'Deleted, or was not there' }, ...notFound, ...errors },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      await deleteEndpoint(webhooksOf(service), endpointId(c));
      return c.body(null, 204);
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/webhooks/{id}/rotate-secret',
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate the signing secret; the old one keeps signing for 24 h',
      description:
        'Answers the new secret once. Until `previous_valid_until`, every message carries two signatures (new and old), so a receiver can switch at its pace.',
      tag: 'webhooks',
      access: 'admin',
      query: emptyQuery,
      responses: {
        200: {
          description: 'The new secret, shown this once',
          schema: z
            .object({
              secret: z.string().meta({
                description: 'The new signing secret',
                example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
              }),
              previous_valid_until: z.string().meta({
                description: 'Until when the old secret signs too',
                example: '2026-12-07T09:00:00.000Z',
              }),
            })
            .meta({
              id: 'RotatedWebhookSecret',
              description: 'The new secret, shown this once',
              example: {
                secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                previous_valid_until: '2026-12-07T09:00:00.000Z',
              },
            }),
        },
        ...notFound,
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      return c.json(await rotateSecret(webhooksOf(service), endpointId(c), now()), 200);
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/webhooks/{id}/dead-letters',
      operationId: 'listWebhookDeadLetters',
      summary: 'Events this endpoint did not accept within 24 h of retries',
      description:
        'Up to 100 dead letters a page, in event id order (not time order); pass `next_cursor` as `cursor` for the next page. Dead letters are kept for `EVENT_RETENTION_DAYS` (default 30) and removed with their endpoint.',
      tag: 'webhooks',
      access: 'admin',
      query: deadLettersQuery,
      responses: {
        200: {
          description: 'A page of dead letters',
          schema: z.object({
            dead_letters: z
              .array(deadLetterResponse)
              .meta({ description: 'Events given up on, in event id order', example: [] }),
            next_cursor: z.string().optional().meta({
              description: 'Present when more follow: the `cursor` of the next page',
              example: 'evt_0f8c_3',
            }),
          }),
        },
        ...notFound,
        ...errors,
      },
    },
    async (c) => {
      const query = readQuery(c, deadLettersQuery);
      const page = await listDeadLetters(webhooksOf(service), endpointId(c), query.cursor);
      return c.json({ dead_letters: page.letters, ...(page.next ? { next_cursor: page.next } : {}) }, 200);
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/webhooks/{id}/redeliver',
      operationId: 'redeliverWebhook',
      summary: 'Send a dead letter again (a fresh 24 h of retries)',
      tag: 'webhooks',
      access: 'admin',
      query: emptyQuery,
      body: redeliverBody,
      responses: {
        202: {
          description: 'Back in the outbox; tried once already',
          schema: z.object({
            event_id: z
              .string()
              .meta({ description: 'The event queued again', example: 'evt_0f8c2b4e1d2a4c3b_3' }),
          }),
        },
        400: { description: 'Bad input', schema: errorResponse },
        ...notFound,
        ...errors,
      },
    },
    async (c) => {
      readQuery(c, emptyQuery);
      const { event_id } = await readJsonBody(c, redeliverBody);
      await redeliver(webhooksOf(service), endpointId(c), event_id, now());
      return c.json({ event_id }, 202);
    },
  );
}
