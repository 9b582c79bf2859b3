/**
 * Managing webhook endpoints (manager only): register, list, read, delete, rotate the signing secret, and the
 * dead letters of each. A secret is shown once, when it is made; nothing else ever returns it.
 *
 * @module
 */

import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { DeadLetter, WebhookEndpoint } from '../persistence';
import { outboxLayout } from '../persistence';
import { EVENT_TYPES, type EventType, OPT_IN_TYPES } from './events';
import { refusedUrl } from './url-policy';
import type { Webhooks } from './webhooks';

/** Every endpoint costs each transition one more delivery: a handful is what a manager needs. */
export const MAX_ENDPOINTS = 20;
/** After a rotation the old secret still signs for this long, so receivers can switch without losing events. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface EndpointInput {
  url: string;
  types?: string[];
  filter?: { labels?: Record<string, string>; team?: string };
  description?: string;
}

/** 32 random bytes, base64, with the Standard Webhooks prefix. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** The types asked for, checked; by default every type but the opt-in ones. */
function typesOf(types: string[] | undefined): EventType[] {
  if (types === undefined) return EVENT_TYPES.filter((t) => !OPT_IN_TYPES.has(t));
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new ValidationError(
      `types: unknown event type ${JSON.stringify(unknown[0])}; one of ${EVENT_TYPES.join(', ')}`,
      'types',
    );
  if (types.length === 0) throw new ValidationError('types must name at least one event type', 'types');
  return [...new Set(types)] as EventType[];
}

export async function createEndpoint(
  webhooks: Webhooks,
  input: EndpointInput,
  now: number,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const refused = refusedUrl(input.url, webhooks.policy);
  if (refused) throw new ValidationError(refused, 'url');
  const endpoint: WebhookEndpoint = {
    id: `ep_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`,
    url: input.url,
    types: typesOf(input.types),
    ...(input.filter ? { filter: input.filter } : {}),
    ...(input.description ? { description: input.description } : {}),
    created_at: new Date(now).toISOString(),
  };
  const full = () =>
    new ConflictError(`at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`, 'too_many_endpoints');
  // Checked before anything is written; checked again in the write itself, which a concurrent create may win.
  if ((await webhooks.endpoints.list()).length >= MAX_ENDPOINTS) throw full();
  const secret = newSecret();
  // The secret first: an endpoint is never listed without a secret to sign for it. One whose endpoint never gets
  // listed (the limit reached meanwhile, or this function killed) is removed: here, or by the sweeper once old.
  await webhooks.endpoints.updateSecrets((secrets) => {
    secrets.set(endpoint.id, { current: secret, created_ms: now });
    return true;
  });
  try {
    await webhooks.endpoints.update((endpoints) => {
      if (endpoints.length >= MAX_ENDPOINTS) throw full();
      return [...endpoints, endpoint];
    });
  } catch (error) {
    await webhooks.endpoints.updateSecrets((secrets) => secrets.delete(endpoint.id)).catch(() => undefined);
    throw error;
  }
  return { endpoint, secret };
}

export async function listEndpoints(webhooks: Webhooks): Promise<WebhookEndpoint[]> {
  return webhooks.endpoints.list();
}

export async function getEndpoint(webhooks: Webhooks, id: string): Promise<WebhookEndpoint> {
  const endpoint = (await webhooks.endpoints.list()).find((e) => e.id === id);
  if (!endpoint) throw new NotFoundError(`no webhook endpoint ${id}`);
  return endpoint;
}

/**
 * Idempotent. Events still owed to it are dropped at their next attempt; its dead letters go with it (what a
 * function killed midway leaves, the sweeper removes).
 */
export async function deleteEndpoint(webhooks: Webhooks, id: string): Promise<void> {
  await webhooks.endpoints.update((endpoints) =>
    endpoints.some((e) => e.id === id) ? endpoints.filter((e) => e.id !== id) : undefined,
  );
  await webhooks.endpoints.updateSecrets((secrets) => secrets.delete(id));
  await webhooks.outbox.pruneDeadOf(id);
}

export async function rotateSecret(
  webhooks: Webhooks,
  id: string,
  now: number,
): Promise<{ secret: string; previous_valid_until: string }> {
  await getEndpoint(webhooks, id);
  const secret = newSecret();
  const until = now + ROTATION_OVERLAP_MS;
  let gone = false;
  await webhooks.endpoints.updateSecrets((secrets) => {
    const current = secrets.get(id);
    // No secret: the endpoint was deleted since it was read (its secret goes with it). Rotating now would
    // bring a secret back for an endpoint that no longer exists.
    gone = !current;
    if (!current) return false;
    secrets.set(id, {
      current: secret,
      ...(current.created_ms !== undefined ? { created_ms: current.created_ms } : {}),
      previous: current.current,
      previous_until_ms: until,
    });
    return true;
  });
  if (gone) throw new NotFoundError(`no webhook endpoint ${id}`);
  return { secret, previous_valid_until: new Date(until).toISOString() };
}

/** One page of dead letters in event id order; `next` is the cursor of the following page, when there is one. */
export async function listDeadLetters(
  webhooks: Webhooks,
  id: string,
  after?: string,
): Promise<{ letters: DeadLetter[]; next?: string }> {
  await getEndpoint(webhooks, id);
  return webhooks.outbox.listDead(id, after ? { after } : {});
}

/**
 * Puts a dead letter back in the outbox for this endpoint alone (a fresh retry window) and tries it now, ahead
 * of the worker's later events.
 */
export async function redeliver(webhooks: Webhooks, id: string, eventId: string, now: number): Promise<void> {
  await getEndpoint(webhooks, id);
  const letter = await webhooks.outbox.readDead(id, eventId);
  if (!letter) throw new NotFoundError(`no dead letter ${eventId} for webhook endpoint ${id}`);
  const name = String(letter.event.data.name ?? '');
  // Filed at its event's own time, so it goes out before the worker's later events still owed.
  const at = Date.parse(letter.event.timestamp);
  // In the queue the event was first filed in: the sweeper takes credentials.issued only from its own.
  const queue = outboxLayout.queueFor(letter.event.type, name);
  const key = outboxLayout.entry(queue, at, 0, `r${crypto.randomUUID().slice(0, 8)}-${eventId}`);
  await webhooks.outbox.file(key, {
    event: letter.event,
    name,
    confirmed: true,
    created_ms: now,
    targets: { [id]: { attempts: 0 } },
  });
  await webhooks.outbox.deleteDead(id, eventId);
  await webhooks.drain(queue, { timeoutMs: 3000 }).catch(() => undefined);
}
